using PeerVault.Load.Chaos;

namespace PeerVault.Tests.Load.Chaos;

/// <summary>
/// The chaos checker against hand-made histories: each anomaly kind it must report, and correct
/// concurrent histories it must pass. Every history is checked whole, so a test also fails if the
/// checker reports something else besides.
/// </summary>
[Trait("Category", "Unit")]
public sealed class HistoryCheckerTests
{
    [Fact]
    public void A_correct_concurrent_history_passes()
    {
        var h = new HandMadeHistory();
        h.Put("c1.1", 0, 10);
        h.Put("c2.1", 5, 15);                      // concurrent with c1.1: either may win
        h.Get("c1.1", 12, 13);                     // c2.1 was not acknowledged before this read began
        h.Get("c2.1", 16, 17);
        h.Get("c1.1", 20, 21);                     // c1.1 is not certainly older than c2.1 (c2.1 began before c1.1 was acknowledged)
        h.Get(null, 0.5, 1);                       // absent before any write was acknowledged
        h.Delete(30, 35);
        h.Get(null, 40, 41);
        h.Put("c3.1", 50, 60, OpOutcome.Info);     // indeterminate: may take effect at any time, even later
        h.Get(null, 61, 62);
        h.Get("c3.1", 100, 101);
        h.Put("c4.1", 110, 115);
        h.Get("c4.1", 112, 116);                   // a read concurrent with the PUT may see it
        h.Failed(OpKind.Put, 120, 121, 503);       // a 503 is indeterminate, not an error
        h.Put("c5.1", 122, 124);
        h.Get("c4.1", 123, 126);                   // c5.1 was acknowledged while this read ran, not before it began
        h.Put("c6.1", 127, 128, OpOutcome.Info);   // timed out: it may land after the next acknowledged write
        h.Put("c7.1", 129, 129.5);
        h.Get("c6.1", 129.6, 129.7);
        h.Get("c6.1", 130, 131, node: "node2", client: ChaosHistory.FinalClient);
        h.Get("c6.1", 130, 131, node: "node3", client: ChaosHistory.FinalClient);

        var report = h.Check();

        Assert.True(report.Passed, string.Join("\n", report.Anomalies.Select(a => a.Message)));
        Assert.Empty(report.Anomalies);
    }

    [Fact]
    public void A_read_of_a_value_an_acknowledged_later_write_replaced_is_stale()
    {
        var h = new HandMadeHistory();
        h.Put("c1.1", 0, 10);
        h.Put("c2.1", 20, 30);
        var read = h.Get("c1.1", 40, 41);

        var anomaly = Assert.Single(h.Check().Anomalies);

        Assert.Equal(AnomalyKind.StaleRead, anomaly.Kind);
        Assert.Equal(read.Id, anomaly.Op);
        Assert.Contains("c2.1", anomaly.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_404_after_an_acknowledged_put_is_stale_and_so_is_a_delete_that_finds_nothing()
    {
        var h = new HandMadeHistory();
        h.Put("c1.1", 0, 10);
        h.Get(null, 20, 21);
        h.Delete(30, 31, status: 404);

        var report = h.Check();

        Assert.Equal(2, report.Count(AnomalyKind.StaleRead));
        Assert.Single(report.Anomalies, a => a.Message.Contains("no replica held it", StringComparison.Ordinal));
    }

    [Fact]
    public void A_body_no_put_wrote_a_body_from_the_future_and_a_mix_of_two_writes_are_values_never_written()
    {
        var h = new HandMadeHistory();
        var put = h.Put("c1.1", 0, 10);
        h.Get("c9.9", 20, 21);                                                  // no such write
        h.Get(null, 22, 23, invalid: "byte 17 of the content differs");         // garbled body
        h.Get("c1.1", 24, 25, version: HandMadeHistory.Version(3));             // c1.1's body under another version
        h.Get("c2.1", 26, 27);                                                   // read before its PUT began
        h.Put("c2.1", 30, 31);
        h.Get("c1.1", 40, 41, key: "other");                                     // a PUT of another key

        var report = h.Check();

        Assert.Equal(5, report.Count(AnomalyKind.ValueNeverWritten));
        Assert.Equal(5, report.Anomalies.Count);
        Assert.NotNull(put.Version);
    }

    [Fact]
    public void After_healing_an_older_value_or_absence_where_an_acknowledged_write_should_be_is_a_lost_write()
    {
        var h = new HandMadeHistory();
        h.Put("c1.1", 0, 10);
        h.Put("c2.1", 20, 30);
        h.Put("c3.1", 20, 30, key: "other");
        h.Get("c1.1", 100, 101, client: ChaosHistory.FinalClient);
        h.Get(null, 100, 101, key: "other", client: ChaosHistory.FinalClient);

        var report = h.Check();

        Assert.Equal(2, report.Count(AnomalyKind.LostWrite));
        Assert.Equal(2, report.Anomalies.Count);
    }

    [Fact]
    public void A_put_that_comes_back_after_an_acknowledged_delete_is_a_resurrection()
    {
        var h = new HandMadeHistory();
        h.Put("c1.1", 0, 10);
        h.Delete(20, 30);
        h.Get("c1.1", 40, 41);
        h.Get("c1.1", 100, 101, client: ChaosHistory.FinalClient);

        var report = h.Check();

        Assert.Equal(2, report.Count(AnomalyKind.Resurrection));
        Assert.Equal(2, report.Anomalies.Count);
    }

    [Fact]
    public void An_acknowledged_overwrite_stamped_below_an_earlier_acknowledged_write_is_a_version_order_violation()
    {
        // Issue 27: the second PUT's coordinator has a clock 20 s behind.
        var h = new HandMadeHistory();
        h.Put("c1.1", 0, 10, version: HandMadeHistory.Version(10));
        var overwrite = h.Put("c2.1", 20, 30, version: HandMadeHistory.Version(10 - 20));
        h.Get("c2.1", 40, 41);

        var anomaly = Assert.Single(h.Check().Anomalies);

        Assert.Equal(AnomalyKind.VersionOrder, anomaly.Kind);
        Assert.Equal(overwrite.Id, anomaly.Op);
    }

    [Fact]
    public void Nodes_that_answer_differently_or_list_differently_after_healing_diverge()
    {
        var h = new HandMadeHistory();
        h.Put("c1.1", 0, 10);
        h.Put("c2.1", 5, 15);
        h.Get("c1.1", 100, 101, node: "node1", client: ChaosHistory.FinalClient);
        h.Get("c2.1", 100, 101, node: "node2", client: ChaosHistory.FinalClient);
        h.List(new Dictionary<string, string> { ["k"] = HandMadeHistory.Version(10) }, 100, 101, node: "node1", client: ChaosHistory.FinalClient);
        h.List(new Dictionary<string, string>(), 100, 101, node: "node2", client: ChaosHistory.FinalClient);

        var report = h.Check();

        Assert.Equal(2, report.Count(AnomalyKind.Divergence));
        Assert.False(report.Passed);
    }

    [Fact]
    public void A_node_still_under_a_whole_run_skew_that_refuses_in_the_final_round_is_unavailable_not_divergent()
    {
        // node3 is 10 minutes off for the whole run: it never joins, so it answers 503 to the end.
        var h = new HandMadeHistory();
        h.Fault("skew-large", 0, 200, "node3");
        h.Put("c1.1", 0, 10);
        h.Get("c1.1", 100, 101, node: "node1", client: ChaosHistory.FinalClient);
        h.Get("c1.1", 100, 101, node: "node2", client: ChaosHistory.FinalClient);
        h.Failed(OpKind.Get, 100, 101, 503, node: "node3", client: ChaosHistory.FinalClient);
        Assert.True(h.Check().Passed);

        // What it does answer must still agree, and a healed node's refusal is divergence.
        h.Get(null, 102, 103, node: "node3", client: ChaosHistory.FinalClient);
        h.Failed(OpKind.Get, 102, 103, 503, node: "node1", client: ChaosHistory.FinalClient);
        Assert.Equal(1, h.Check().Count(AnomalyKind.Divergence));
    }

    [Fact]
    public void A_listing_is_checked_like_a_read_of_every_key()
    {
        var h = new HandMadeHistory();
        h.Put("c1.1", 0, 10);
        h.Put("c2.1", 20, 30);
        h.List(new Dictionary<string, string> { ["k"] = HandMadeHistory.Version(10) }, 40, 41);       // c1.1: stale
        h.List(new Dictionary<string, string> { ["k"] = HandMadeHistory.Version(30) }, 42, 43);       // c2.1: right
        h.List(new Dictionary<string, string> { ["k"] = HandMadeHistory.Version(99) }, 44, 45);       // no write had it
        h.List(new Dictionary<string, string>(), 46, 47);                                              // absent: stale

        var report = h.Check();

        Assert.Equal(2, report.Count(AnomalyKind.StaleRead));
        Assert.Equal(1, report.Count(AnomalyKind.ValueNeverWritten));
        Assert.Equal(3, report.Anomalies.Count);
    }

    [Fact]
    public void A_stale_read_while_membership_changes_is_a_weakened_promise_read_not_a_failure()
    {
        var h = new HandMadeHistory();
        h.Fault("add-node", 35, 50, "node4");
        h.Put("c1.1", 0, 10);
        h.Put("c2.1", 20, 30);
        h.Get("c1.1", 40, 41);          // in the window
        h.Get("c1.1", 50 + 44, 50 + 45); // still within the tail after the change

        var report = h.Check();

        Assert.Equal(2, report.Count(AnomalyKind.WeakenedRead));
        Assert.True(report.Passed);

        h.Get("c1.1", 50 + 46, 50 + 47); // after the tail: stale again
        Assert.Equal(1, h.Check().Count(AnomalyKind.StaleRead));

        h.Get("c1.1", 60, 61, client: ChaosHistory.FinalClient); // promise 4 is never weakened
        Assert.Equal(1, h.Check().Count(AnomalyKind.LostWrite));
    }

    [Fact]
    public void A_4xx_other_than_404_a_500_and_a_507_with_no_disk_full_are_unexpected_errors_and_a_507_while_one_is_full_is_not()
    {
        var h = new HandMadeHistory();
        h.Failed(OpKind.Put, 0, 1, 400);
        h.Failed(OpKind.Get, 2, 3, 500);
        h.Failed(OpKind.Put, 4, 5, 507);
        h.Fault("disk-full", 10, 20, "node1");
        h.Failed(OpKind.Put, 12, 13, 507);
        h.Failed(OpKind.Get, 14, 15, 503);

        var report = h.Check();

        Assert.Equal(3, report.Count(AnomalyKind.UnexpectedError));
        Assert.Equal(3, report.Anomalies.Count);
    }

    [Fact]
    public void A_history_written_to_json_lines_and_read_back_checks_the_same()
    {
        var path = Path.Combine(Path.GetTempPath(), $"peervault-chaos-history-{Guid.NewGuid():N}.jsonl");
        try
        {
            var run = new RunLine(7, "all", "test", ["node1", "node2"], 3, 2, "p/", ["p/k"], 45_000, DateTimeOffset.UnixEpoch, ["kill"], []);
            ChaosHistory written;
            using (var log = new HistoryLog(path, run, System.Diagnostics.Stopwatch.StartNew()))
            {
                var first = log.Invoke("c1", OpKind.Put, "p/k", "node1", "c1.1", 10);
                log.Complete(first, new OpResult(OpOutcome.Ok, 201, Version: HandMadeHistory.Version(1), Placement: ["node1", "node2"]));
                var second = log.Invoke("c2", OpKind.Put, "p/k", "node2", "c2.1", 10);
                log.Complete(second, new OpResult(OpOutcome.Ok, 201, Version: HandMadeHistory.Version(2)));
                var fault = log.FaultStarted("kill", ["node2"], "SIGKILL node2");
                log.FaultHealed(fault, "started again");
                var read = log.Invoke("c3", OpKind.Get, "p/k", "node1");
                log.Complete(read, new OpResult(OpOutcome.Ok, 200, "c1.1", HandMadeHistory.Version(1)));
                written = log.History;
            }

            var loaded = ChaosHistory.Load(path);

            Assert.Equal(3, loaded.Operations.Count);
            Assert.Equal("c1.1", loaded.Operations[0].Value);
            Assert.Equal(["node1", "node2"], loaded.Operations[0].Placement!);
            Assert.NotNull(Assert.Single(loaded.Faults).HealMs);
            Assert.Equal(HistoryChecker.Check(written).Counts, HistoryChecker.Check(loaded).Counts);
            Assert.Equal(1, HistoryChecker.Check(loaded).Count(AnomalyKind.StaleRead));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
