using System.Diagnostics;

namespace PeerVault.Tests.Infrastructure;

/// <summary>
/// <see cref="Poll.UntilAsync(Func{Task{bool}}, string, TimeSpan?)"/> for conditions whose failure
/// message is only known at the end (what the cluster looked like when time ran out), and that
/// tells how long the condition took to hold.
/// </summary>
public static class Eventually
{
    public static async Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await Poll.UntilAsync(condition, "the condition described below", timeout);
        }
        catch (Xunit.Sdk.TrueException)
        {
            Assert.Fail($"Timed out after {timeout.TotalSeconds:0} s waiting until {what()}.");
        }

        return clock.Elapsed;
    }

    public static Task<TimeSpan> UntilAsync(Func<bool> condition, Func<string> what, TimeSpan timeout)
        => UntilAsync(() => Task.FromResult(condition()), what, timeout);
}
