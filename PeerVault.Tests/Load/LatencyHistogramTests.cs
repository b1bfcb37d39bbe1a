using PeerVault.Load.Bench;

namespace PeerVault.Tests.Load;

[Trait("Category", "Unit")]
public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_of_a_known_spread_are_within_a_bucket_of_the_true_value()
    {
        var histogram = new LatencyHistogram();
        for (var microseconds = 1; microseconds <= 10_000; microseconds++)
        {
            histogram.RecordMicroseconds(microseconds);
        }

        Assert.Equal(10_000, histogram.Count);
        Assert.InRange(histogram.PercentileMilliseconds(50), 5.0, 5.0 * 1.016);
        Assert.InRange(histogram.PercentileMilliseconds(90), 9.0, 9.0 * 1.016);
        Assert.InRange(histogram.PercentileMilliseconds(99), 9.9, 9.9 * 1.016);
        Assert.Equal(10.0, histogram.MaxMilliseconds);
        Assert.Equal(10.0, histogram.PercentileMilliseconds(100));
    }

    [Fact]
    public void One_slow_request_in_a_hundred_shows_at_p99_and_not_at_p90()
    {
        var histogram = new LatencyHistogram();
        for (var i = 0; i < 99; i++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(2));
        }

        histogram.Record(TimeSpan.FromSeconds(3));
        var figures = histogram.Figures();
        Assert.InRange(figures.P50, 2.0, 2.0 * 1.016);
        Assert.InRange(figures.P90, 2.0, 2.0 * 1.016);
        Assert.InRange(figures.P99, 2.0, 2.0 * 1.016);
        Assert.Equal(3000.0, figures.Max);
        Assert.Equal(3000.0, histogram.PercentileMilliseconds(99.5));
    }

    [Fact]
    public void An_empty_histogram_reports_zeros()
        => Assert.Equal(new LatencyFigures(0, 0, 0, 0), new LatencyHistogram().Figures());

    [Fact]
    public void Every_value_falls_in_the_bucket_whose_range_holds_it()
    {
        foreach (var value in new long[] { 0, 1, 63, 64, 65, 127, 128, 129, 1000, 4095, 4096, 123_456_789, 1L << 40 })
        {
            var index = LatencyHistogram.Index(value);
            Assert.True(LatencyHistogram.HighestIn(index) >= value, $"{value} above its bucket {index}");
            Assert.True(index == 0 || LatencyHistogram.HighestIn(index - 1) < value, $"{value} also fits bucket {index - 1}");
        }
    }

    [Fact]
    public async Task Workers_recording_at_once_lose_no_sample()
    {
        var histogram = new LatencyHistogram();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(
            () =>
            {
                for (var i = 0; i < 10_000; i++)
                {
                    histogram.RecordMicroseconds((w * 10_000) + i);
                }
            },
            TestContext.Current.CancellationToken)));
        Assert.Equal(40_000, histogram.Count);
        Assert.Equal(39.999, histogram.MaxMilliseconds);
    }
}
