using System.CommandLine;
using System.Globalization;
using PeerVault.Cli.Connection;
using PeerVault.Cli.Output;
using PeerVault.Client;
using PeerVault.Contracts;
using Spectre.Console;

namespace PeerVault.Cli.Commands;

/// <summary>
/// <c>peervault doctor</c>: checks, through every endpoint given, that the node answers and is
/// ready, that its clock agrees with this machine's and with its peers' (as the node measures them),
/// that the API key is accepted (and is admin), that every member is alive, that nothing waits for repair, that the disk has room, and that the
/// endpoints agree on a sample of keys. Each finding says what is wrong and how to fix it.
/// </summary>
internal static class DoctorCommand
{
    private static readonly TimeSpan SkewWarning = TimeSpan.FromSeconds(2);

    // The node's default PEERVAULT_MAX_CLOCK_SKEW_SECONDS: beyond it, peers reject its versions.
    private static readonly TimeSpan SkewLimit = TimeSpan.FromMinutes(5);

    // The node's default PEERVAULT_CLOCK_OFFSET_WARN_SECONDS, for a node that does not say its own.
    private const double PeerOffsetWarning = 5;

    // A handshake refuses a peer more than this off (Handshake.MaxClockSkew): a connected peer that
    // drifted further is refused at its next reconnect.
    private const double HandshakeWindow = 30;

    public static Command Create(GlobalOptions global)
    {
        var sample = new Option<int>("--sample") { Description = "How many keys to compare across the endpoints", DefaultValueFactory = _ => 20, HelpName = "count" };
        var command = new Command("doctor", "Check every endpoint (reachable, ready, clock, auth), members and their clocks, repair backlog, disk space and replica agreement; says what is wrong and how to fix it; exit 1 if a check fails, 5 if nothing answered")
        {
            sample,
        };
        command.SetAction((parse, cancellationToken) => global.RunAsync(new(parse, cancellationToken), (output, client) =>
            RunAsync(output, client, Math.Max(0, parse.GetValue(sample)), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(CliOutput output, CliConnection client, int sample, CancellationToken cancellationToken)
    {
        var findings = new List<Finding>();
        var answering = new List<(Uri Endpoint, string Name)>();
        var seenMembers = new Dictionary<string, MemberDescription>(StringComparer.Ordinal);
        var views = new List<(string Target, string Node, HashSet<string> Knows)>();
        foreach (var endpoint in client.Endpoints)
        {
            var target = endpoint.GetLeftPart(UriPartial.Authority);
            if (!await CheckReadyAsync(client, endpoint, target, findings, cancellationToken))
            {
                continue;
            }

            var cluster = await CheckAuthAsync(client, endpoint, target, findings, cancellationToken);
            var name = cluster?.Node.Name ?? target;
            answering.Add((endpoint, name));
            if (cluster is not null)
            {
                CheckCluster(cluster, $"{name} ({target})", findings);
                foreach (var member in cluster.Members.Where(m => m.State != "removed"))
                {
                    seenMembers.TryAdd(member.Name, member);
                }

                views.Add(($"{name} ({target})", name, cluster.Members.Where(m => m.State != "removed").Select(m => m.Name).ToHashSet(StringComparer.Ordinal)));
            }
        }

        foreach (var (target, node, knows) in views)
        {
            var unknown = seenMembers.Keys.Where(m => !knows.Contains(m)).Order(StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                findings.Add(new Finding(
                    "membership",
                    "fail",
                    target,
                    $"Does not know {string.Join(", ", unknown)}, which other members list: the cluster is split or {node} has just started.",
                    $"Wait a few seconds and run doctor again; if it stays, check {node}'s PEERVAULT_BOOTSTRAP and that its peer port is reachable from the others."));
            }
        }

        if (answering.Count > 0)
        {
            var unchecked_ = seenMembers.Keys.Where(m => answering.All(a => a.Name != m)).Order(StringComparer.Ordinal).ToList();
            if (unchecked_.Count > 0)
            {
                findings.Add(new Finding(
                    "coverage",
                    "warn",
                    string.Join(", ", unchecked_),
                    "Checked only as the other members see them: /v1/cluster gives members' peer addresses, not their HTTP URLs.",
                    "Pass every node's API URL: --endpoint http://a:port,http://b:port,… (the local cluster's connection file lists them all)."));
            }

            await CheckAgreementAsync(client, answering, sample, findings, cancellationToken);
        }

        var healthy = findings.All(f => f.Status != "fail");
        if (output.Json)
        {
            CliOutput.WriteJson(new DoctorReport(healthy, findings), CliJsonContext.Default.DoctorReport);
        }
        else
        {
            var table = CliOutput.Table("Status", "Check", "Target", "Finding", "Fix");
            foreach (var f in findings)
            {
                table.AddRow(StatusCell(f.Status), new Text(f.Check), new Text(f.Target), new Text(f.Message), new Text(f.Fix ?? string.Empty));
            }

            output.Write(table);
            CliOutput.Line(healthy ? "No problems found." : $"{findings.Count(f => f.Status == "fail")} check(s) failed.");
        }

        return answering.Count == 0 ? ExitCodes.Unreachable : healthy ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static Text StatusCell(string status) => new Text(status, new Style(status switch
    {
        "ok" => Color.Green,
        "warn" => Color.Yellow,
        "fail" => Color.Red,
        _ => Color.Grey,
    }));

    /// <summary>Reachable and ready (<c>/health</c>: storage writable), and the clock compared through the Date header.</summary>
    private static async Task<bool> CheckReadyAsync(CliConnection client, Uri endpoint, string target, List<Finding> findings, CancellationToken cancellationToken)
    {
        var before = DateTimeOffset.UtcNow;
        NodeHealth health;
        try
        {
            health = await client.CallAsync("health", api => api.ForEndpoint(endpoint).GetHealthAsync(cancellationToken));
        }
        catch (CliException ex) when (ex.ExitCode == ExitCodes.Unreachable)
        {
            findings.Add(new Finding("reachable", "fail", target, ex.Message, "Start the node, or correct the URL (--endpoint / PEERVAULT_ENDPOINT); check that no firewall blocks the port."));
            return false;
        }

        var after = DateTimeOffset.UtcNow;
        findings.Add(!health.Ready
            ? new Finding("ready", "fail", target, "Answers but is not ready: its data directory is not writable, or it has not heard from its cluster since it started.", "Check the node's log: the data directory's permissions and free space (PEERVAULT_DATA_DIR), or whether its peers are reachable (PEERVAULT_BOOTSTRAP).")
            : health.Degraded
                ? new Finding("ready", "warn", target, "Answers and its storage is writable, but its health is Degraded: a peer's clock is off its own (see 'peer-clocks').", "The node's log names the peer and the offset; synchronise the clocks with NTP.")
                : new Finding("ready", "ok", target, "Answers and its storage is writable.", null));
        if (health.Date is { } date)
        {
            // The node stamped Date (whole seconds) somewhere between sending and answering, and
            // a request may wait long (a proxy holds it while the node starts): only a Date
            // outside that window, give or take a second, is skew.
            var skew = date < before.AddSeconds(-1) ? date - before
                : date > after.AddSeconds(1) ? date - after
                : TimeSpan.Zero;
            var seconds = skew.TotalSeconds.ToString("+0.0;-0.0", CultureInfo.InvariantCulture);
            findings.Add(skew.Duration() > SkewLimit
                ? new Finding("clock", "fail", target, $"Clock differs from this machine's by {seconds} s, more than the {SkewLimit.TotalSeconds} s peers accept.", "Synchronise clocks with NTP (e.g. timedatectl set-ntp true, or chrony) on the node and here.")
                : skew.Duration() > SkewWarning
                    ? new Finding("clock", "warn", target, $"Clock differs from this machine's by {seconds} s.", "Synchronise clocks with NTP; versions are ordered by time.")
                    : new Finding("clock", "ok", target, $"Clock agrees with this machine's (within the round trip of {(after - before).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s, to the second).", null));
        }
        else
        {
            findings.Add(new Finding("clock", "skipped", target, "The answer carried no Date header.", null));
        }

        return true;
    }

    private static async Task<ClusterDescription?> CheckAuthAsync(CliConnection client, Uri endpoint, string target, List<Finding> findings, CancellationToken cancellationToken)
    {
        if (client.Settings.ApiKey is null)
        {
            findings.Add(new Finding("auth", "fail", target, "No API key was given, so nothing but health could be checked.", "Pass --api-key or set PEERVAULT_API_KEY (the local cluster's admin key is in the AppHost's user secrets as Parameters:api-key)."));
            return null;
        }

        try
        {
            var cluster = await client.CallAsync("cluster", api => api.ForEndpoint(endpoint).GetClusterAsync(cancellationToken));
            findings.Add(new Finding("auth", "ok", $"{cluster.Node.Name} ({target})", "The API key is accepted with the admin scope.", null));
            return cluster;
        }
        catch (CliException ex) when (ex.Status == 401)
        {
            findings.Add(new Finding("auth", "fail", target, $"The API key (from {client.Settings.ApiKeySource}) is not valid on this node.", "Use the cluster's admin key (PEERVAULT_API_KEY on the nodes; the AppHost's user secrets, Parameters:api-key) or a key from PEERVAULT_API_KEYS_FILE."));
        }
        catch (CliException ex) when (ex.Status == 403)
        {
            findings.Add(new Finding("auth", "warn", target, "The API key is valid but not admin: members, replication and disk were not checked.", "Run doctor with an admin key."));
        }
        catch (CliException ex) when (ex.ExitCode == ExitCodes.Unreachable)
        {
            findings.Add(new Finding("reachable", "fail", target, ex.Message, "Check the node's log: it stopped answering during the checks."));
        }

        return null;
    }

    private static void CheckCluster(ClusterDescription cluster, string target, List<Finding> findings)
    {
        var node = cluster.Node;
        var others = cluster.Members.Where(m => !m.Self && m.State != "removed").ToList();
        var down = others.Where(m => m.State != "alive").ToList();
        findings.Add(down.Count == 0
            ? new Finding("members", "ok", target, $"Sees all {others.Count} other member(s) alive.", null)
            : new Finding(
                "members",
                "fail",
                target,
                string.Join("; ", down.Select(m => $"{m.Name} is {m.State} since {ClusterCommand.Time(m.StateSince)} UTC (last seen {(m.LastSeen is { } seen ? ClusterCommand.Time(seen) : "never")})")),
                $"Start {string.Join(", ", down.Select(m => m.Name))} or fix the network between them; a member gone for good is removed with DELETE /v1/cluster/members/{{id}} ({string.Join(", ", down.Select(m => $"{m.Name}: {m.Id}"))})."));
        CheckPeerClocks(node, others, target, findings);
        if (node.Replicas < node.ConfiguredReplicas)
        {
            findings.Add(new Finding("replicas", "warn", target, $"Keeps R={node.Replicas} copies, fewer than the configured {node.ConfiguredReplicas}: the cluster has fewer members than that.", "Add members, or lower PEERVAULT_REPLICAS to what the cluster can hold."));
        }

        var replication = cluster.Replication;
        findings.Add(replication.UnderReplicated == 0 && replication.RepairBacklog == 0
            ? new Finding("replication", "ok", target, "No object is under-replicated or waiting for repair.", null)
            : new Finding("replication", "warn", target, $"{replication.UnderReplicated} object(s) under-replicated, {replication.RepairBacklog} waiting for repair.", "Repair runs by itself once the replicas are reachable; POST /v1/cluster/sync runs a pass now. If the count stays, a member is down (see 'members')."));

        if (node.Disk is not { } disk)
        {
            findings.Add(new Finding("disk", "skipped", target, "This node does not report disk space.", null));
        }
        else
        {
            var free = disk.TotalBytes > 0 ? (double)disk.FreeBytes / disk.TotalBytes : 1;
            var text = $"{CliOutput.Bytes(disk.FreeBytes)} free of {CliOutput.Bytes(disk.TotalBytes)} ({free:P0}).";
            findings.Add(free < 0.02 || disk.FreeBytes < 256L * 1024 * 1024
                ? new Finding("disk", "fail", target, text + " Writes will soon fail with 507.", "Free space on the node's data volume or grow it; deleted objects' blobs are swept after PEERVAULT_BLOB_SWEEP_DELAY_SECONDS.")
                : free < 0.10
                    ? new Finding("disk", "warn", target, text, "Plan more space for the node's data volume.")
                    : new Finding("disk", "ok", target, text, null));
        }
    }

    /// <summary>
    /// The peers' clocks as this node measures them over its connections (an offset only counts as
    /// beyond a limit when it is even with its whole uncertainty against it).
    /// </summary>
    private static void CheckPeerClocks(NodeDescription node, List<MemberDescription> others, string target, List<Finding> findings)
    {
        var measured = others.Where(m => m.ClockOffsetSeconds is not null).ToList();
        if (measured.Count == 0)
        {
            if (others.Count > 0)
            {
                findings.Add(new Finding("peer-clocks", "skipped", target, "No peer's clock offset is known: none is connected, or this node does not measure them.", null));
            }

            return;
        }

        var warning = node.ClockOffsetWarnSeconds ?? PeerOffsetWarning;
        static double Surely(MemberDescription m) => Math.Abs(m.ClockOffsetSeconds!.Value) - (m.ClockOffsetUncertaintySeconds ?? 0);
        var beyond = measured.Where(m => Surely(m) > warning).OrderByDescending(Surely).ToList();
        var limit = warning.ToString("0.###", CultureInfo.InvariantCulture);
        if (beyond.Count == 0)
        {
            var largest = measured.MaxBy(m => Math.Abs(m.ClockOffsetSeconds!.Value))!;
            findings.Add(new Finding("peer-clocks", "ok", target, $"Every connected peer's clock is within {limit} s of {node.Name}'s (largest offset: {largest.Name} {ClusterCommand.Offset(largest)}).", null));
            return;
        }

        var far = beyond.Any(m => Surely(m) > HandshakeWindow);
        findings.Add(new Finding(
            "peer-clocks",
            far ? "fail" : "warn",
            target,
            string.Join("; ", beyond.Select(m => $"{m.Name}'s clock is {ClusterCommand.Offset(m)} off {node.Name}'s")) +
                (far ? $": more than the {HandshakeWindow} s a handshake accepts, so a reconnect will be refused." : $": more than PEERVAULT_CLOCK_OFFSET_WARN_SECONDS ({limit} s)."),
            $"Synchronise the clocks with NTP (timedatectl set-ntp true, or chrony) on {string.Join(", ", beyond.Select(m => m.Name))} or {node.Name}: while a node's clock is ahead, writes through it win over concurrent writes elsewhere (sequential ones stay in order)."));
    }

    /// <summary>
    /// Reads the same sample of keys through every endpoint and compares object id and version.
    /// Each node resolves the newest copy among the key's replicas, so a difference means the
    /// nodes see different replicas (a partition, or repair still under way).
    /// </summary>
    private static async Task CheckAgreementAsync(CliConnection client, List<(Uri Endpoint, string Name)> answering, int sample, List<Finding> findings, CancellationToken cancellationToken)
    {
        var target = string.Join(", ", answering.Select(a => a.Name));
        if (sample == 0)
        {
            return;
        }

        if (answering.Count < 2)
        {
            findings.Add(new Finding("agreement", "skipped", target, "Replica agreement needs two or more endpoints that answer.", "Pass every node's URL in --endpoint."));
            return;
        }

        ObjectListing listing;
        try
        {
            listing = await client.CallAsync("ls", api => api.ForEndpoint(answering[0].Endpoint).ListPageAsync(limit: sample, cancellationToken: cancellationToken));
        }
        catch (CliException ex)
        {
            findings.Add(new Finding("agreement", "skipped", target, $"Could not list keys to sample: {ex.Message}", null));
            return;
        }

        var disagreements = new List<string>();
        foreach (var entry in listing.Objects)
        {
            var views = new List<string>();
            foreach (var (endpoint, name) in answering)
            {
                views.Add($"{name}: {await HeadAsync(client, endpoint, entry.Key, cancellationToken)}");
            }

            if (views.Select(v => v[(v.IndexOf(": ", StringComparison.Ordinal) + 2)..]).Distinct(StringComparer.Ordinal).Count() > 1)
            {
                disagreements.Add($"{entry.Key} ({string.Join("; ", views)})");
            }
        }

        findings.Add(disagreements.Count == 0
            ? new Finding("agreement", "ok", target, $"All agree on the {listing.Objects.Count} key(s) sampled.", null)
            : new Finding("agreement", "fail", target, $"{disagreements.Count} of {listing.Objects.Count} sampled key(s) differ: {string.Join(" | ", disagreements.Take(5))}", "Run POST /v1/cluster/sync on a node (anti-entropy) and check again; if it persists, look at 'peervault stat KEY' and the members' states."));
    }

    private static async Task<string> HeadAsync(CliConnection client, Uri endpoint, string key, CancellationToken cancellationToken)
    {
        try
        {
            var head = await client.CallAsync("head", api => api.ForEndpoint(endpoint).HeadAsync(key, cancellationToken: cancellationToken));
            return $"{head.ObjectId} v{head.Version}";
        }
        catch (CliException ex)
        {
            return CliOutput.ExitKind(ex.ExitCode);
        }
    }
}
