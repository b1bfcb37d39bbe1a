using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Flushes and shuts the OpenTelemetry providers down when the host stops, all at once and within
/// <see cref="Limit"/>. Left to disposal, each provider waits for its exporter in turn, and an OTLP
/// exporter whose collector is gone retries every export until its own timeout (Aspire turns
/// in-memory retry on): a process asked to stop would linger past its orchestrator's patience, be
/// killed, and orphan what it started. Shut down here, disposal finds nothing left to wait for.
/// </summary>
internal sealed class TelemetryShutdown(IServiceProvider services) : IHostedService
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

    private List<Func<int, bool>> _shutdowns = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolved now: by the time a host is stopped a second time its container may be gone.
        _shutdowns = [];
        if (services.GetService<TracerProvider>() is { } tracing)
        {
            _shutdowns.Add(tracing.Shutdown);
        }

        if (services.GetService<MeterProvider>() is { } metrics)
        {
            _shutdowns.Add(metrics.Shutdown);
        }

        if (services.GetService<LoggerProvider>() is { } logging)
        {
            _shutdowns.Add(logging.Shutdown);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        var milliseconds = (int)Limit.TotalMilliseconds;
        var shutdowns = _shutdowns.Select(shutdown => Task.Run(() => shutdown(milliseconds), CancellationToken.None)).ToList();

        // Shutdown(timeout) returns when its time is up even if an export is still retrying.
        return Task.WhenAll(shutdowns).WaitAsync(Limit + TimeSpan.FromSeconds(1), CancellationToken.None)
            .ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
