using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PeerVault.Node.Diagnostics;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Diagnostics;

[Trait("Category", "Unit")]
public sealed class RefusalLogTests
{
    [Fact]
    public void A_thousand_refusals_log_one_line_then_one_summary_with_the_count_when_the_interval_ends()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new CapturedLogs("refusals");
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var loggers = LoggerFactory.Create(l => l.AddProvider(logs));
        using var refusals = new RefusalLog(services.GetRequiredService<IMeterFactory>(), time, loggers.CreateLogger<RefusalLog>());

        for (var i = 0; i < 1000; i++)
        {
            refusals.Refused("handshake-inbound", $"10.0.0.{i % 250}:4000", "WrongToken");
        }

        Assert.Single(logs.Lines);
        time.Advance(RefusalLog.Interval + TimeSpan.FromSeconds(1));

        // The timer flushes the window that ended quietly.
        var summary = Assert.Single(logs.Lines, l => l.Contains("999 more time(s)", StringComparison.Ordinal));
        Assert.Contains("10.0.0.249:4000", summary, StringComparison.Ordinal);
        Assert.Equal(2, logs.Lines.Count);

        // A new window logs its first refusal again.
        refusals.Refused("handshake-inbound", "10.0.0.1:4000", "WrongToken");
        Assert.Equal(3, logs.Lines.Count);
    }

    [Fact]
    public void Each_kind_has_its_own_window()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new CapturedLogs("refusals");
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var loggers = LoggerFactory.Create(l => l.AddProvider(logs));
        using var refusals = new RefusalLog(services.GetRequiredService<IMeterFactory>(), time, loggers.CreateLogger<RefusalLog>());

        refusals.Refused("api-key-wrong", "a", null);
        refusals.Refused("handshake-inbound", "b", null);
        refusals.Refused("api-key-wrong", "c", null);

        Assert.Equal(2, logs.Lines.Count);
    }
}
