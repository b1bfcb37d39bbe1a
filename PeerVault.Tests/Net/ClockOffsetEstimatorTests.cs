using PeerVault.Node.Net;

namespace PeerVault.Tests.Net;

[Trait("Category", "Unit")]
public sealed class ClockOffsetEstimatorTests
{
    [Fact]
    public void An_exchange_puts_the_peers_reading_at_the_round_trips_midpoint()
    {
        // Sent at 1,000 (ours), the peer read 21,005 (its), back at 1,010 (ours): it is 20 s ahead.
        var sample = ClockSample.FromExchange(1_000, 21_005, 1_010);

        Assert.Equal(new ClockSample(TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(10)), sample);
        Assert.Equal(TimeSpan.FromSeconds(-20), ClockSample.FromExchange(21_000, 1_005, 21_010)!.Value.Offset);
    }

    [Theory]
    [InlineData(1_000, 5_000, 999)]
    [InlineData(1_000, 5_000, 11_001)]
    public void A_round_trip_that_is_negative_or_longer_than_ten_seconds_is_no_sample(long sent, long remote, long received)
        => Assert.Null(ClockSample.FromExchange(sent, remote, received));

    [Theory]
    [InlineData(0, long.MaxValue, 0)]
    [InlineData(0, long.MinValue, 0)]
    [InlineData(long.MaxValue, long.MinValue, long.MaxValue)]
    [InlineData(long.MinValue, long.MaxValue, long.MinValue)]
    public void Any_times_a_peer_sends_give_a_sample_or_none_and_never_throw(long sent, long remote, long received)
    {
        var sample = ClockSample.FromExchange(sent, remote, received);

        Assert.NotNull(sample);
        Assert.True(sample.Value.Offset.Duration() > TimeSpan.FromDays(365 * 1000));
    }

    [Fact]
    public void The_estimate_is_the_recent_sample_with_the_shortest_round_trip()
    {
        var estimator = new ClockOffsetEstimator();
        Assert.Null(estimator.Current);

        estimator.Add(Sample(offsetMs: 20_300, roundTripMs: 600)); // queued behind a large transfer
        estimator.Add(Sample(offsetMs: 20_001, roundTripMs: 2));
        estimator.Add(Sample(offsetMs: 19_800, roundTripMs: 400));

        Assert.Equal(Sample(20_001, 2), estimator.Current);
    }

    [Fact]
    public void A_clock_that_steps_shows_once_the_samples_before_the_step_have_left_the_window()
    {
        var estimator = new ClockOffsetEstimator();
        estimator.Add(Sample(offsetMs: 20_000, roundTripMs: 1));
        for (var i = 1; i < ClockOffsetEstimator.Window; i++)
        {
            estimator.Add(Sample(offsetMs: 0, roundTripMs: 3));
            Assert.Equal(TimeSpan.FromSeconds(20), estimator.Current!.Value.Offset);
        }

        estimator.Add(Sample(offsetMs: 0, roundTripMs: 3));
        Assert.Equal(TimeSpan.Zero, estimator.Current!.Value.Offset);
    }

    [Fact]
    public void Of_equal_round_trips_the_newest_sample_wins()
    {
        var estimator = new ClockOffsetEstimator();
        estimator.Add(Sample(offsetMs: 20_000, roundTripMs: 0));
        estimator.Add(Sample(offsetMs: 1, roundTripMs: 0));

        Assert.Equal(TimeSpan.FromMilliseconds(1), estimator.Current!.Value.Offset);
    }

    private static ClockSample Sample(double offsetMs, double roundTripMs)
        => new(TimeSpan.FromMilliseconds(offsetMs), TimeSpan.FromMilliseconds(roundTripMs));
}
