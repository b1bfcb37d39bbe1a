using System.Diagnostics;
using System.Net;

namespace PeerVault.Load;

/// <summary>What every client shares: the nodes, the API, the tallies, the restart window, the cluster's W.</summary>
internal sealed record SoakContext(IReadOnlyList<Uri> Endpoints, NodeApi Api, SoakStats Stats, RestartWindow Window, int WriteQuorum, string Prefix);

/// <summary>
/// One client: a loop of PUT, GET and DELETE on keys only it writes, through a node picked at
/// random each time, checking every read against what it knows it left there. Errors are sorted
/// into expected (the restarted node, while it restarts) and unexpected (everything else).
/// </summary>
internal sealed class SoakClient
{
    private const int SmallestObject = 1 << 10;
    private const int LargestCommonObject = 1 << 20;
    private readonly SoakContext _context;
    private readonly Random _random;
    private readonly DateTime[] _avoidUntil;

    public SoakClient(int id, int keys, int seed, SoakContext context)
    {
        _context = context;
        _random = new Random(unchecked((seed * 7919) + id));
        _avoidUntil = new DateTime[context.Endpoints.Count];
        Keys = [.. Enumerable.Range(0, keys).Select(k => new KeyExpectation($"{context.Prefix}c{id:D3}/k{k:D3}"))];
    }

    public IReadOnlyList<KeyExpectation> Keys { get; }

    /// <summary>Runs operations until <paramref name="stopping"/>; the one under way when it fires finishes first.</summary>
    public async Task RunAsync(CancellationToken stopping, CancellationToken aborted)
    {
        while (!stopping.IsCancellationRequested)
        {
            var key = Keys[_random.Next(Keys.Count)];
            var endpoint = PickEndpoint();
            var roll = _random.NextDouble();
            if (roll < 0.45)
            {
                await GetAsync(key, endpoint, aborted);
            }
            else if (roll < 0.60 && key.MayBeLive)
            {
                await DeleteAsync(key, endpoint, aborted);
            }
            else
            {
                await PutAsync(key, endpoint, aborted);
            }
        }
    }

    private async Task PutAsync(KeyExpectation key, int endpoint, CancellationToken aborted)
    {
        // Log-uniform from 1 KiB to 1 MiB, and one in fifty from 2 to 8 MiB.
        var size = _random.Next(50) == 0
            ? _random.Next(2 << 20, 8 << 20)
            : (int)(SmallestObject * Math.Pow(LargestCommonObject / SmallestObject, _random.NextDouble()));
        var content = new ContentPattern((ulong)_random.NextInt64(), size);
        var sha = content.Sha256();
        var started = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        try
        {
            var (status, problem) = await _context.Api.PutAsync(_context.Endpoints[endpoint], key.Key, content, aborted);
            if (status == HttpStatusCode.Created)
            {
                key.Acknowledged(sha);
                _context.Stats.Success(OperationKind.Put, clock.Elapsed, bytesWritten: size);
                return;
            }

            key.Attempted(sha);
            Failed(OperationKind.Put, key, endpoint, started, $"{(int)status} {problem}", status);
        }
        catch (Exception ex) when (NodeApi.IsTransportFailure(ex) || (ex is OperationCanceledException && !aborted.IsCancellationRequested))
        {
            key.Attempted(sha);
            Failed(OperationKind.Put, key, endpoint, started, Describe(ex), status: null);
        }
    }

    private async Task GetAsync(KeyExpectation key, int endpoint, CancellationToken aborted)
    {
        var started = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        try
        {
            var (status, sha, length, problem) = await _context.Api.GetAsync(_context.Endpoints[endpoint], key.Key, aborted);
            if (status is not (HttpStatusCode.OK or HttpStatusCode.NotFound))
            {
                Failed(OperationKind.Get, key, endpoint, started, $"{(int)status} {problem}", status);
                return;
            }

            if (key.Allows(sha))
            {
                _context.Stats.Success(OperationKind.Get, clock.Elapsed, bytesRead: length);
                return;
            }

            _context.Stats.Unexpected(OperationKind.Get, Mismatch(key, sha), $"GET '{key.Key}' via {_context.Endpoints[endpoint]} gave {(sha is null ? "404" : $"content sha256 {sha}")}; expected {key}");

            // Reported once; what was seen is now among the possibilities, so it is not reported again and again.
            key.Attempted(sha);
        }
        catch (Exception ex) when (NodeApi.IsTransportFailure(ex) || (ex is OperationCanceledException && !aborted.IsCancellationRequested))
        {
            Failed(OperationKind.Get, key, endpoint, started, Describe(ex), status: null);
        }
    }

    private async Task DeleteAsync(KeyExpectation key, int endpoint, CancellationToken aborted)
    {
        var started = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        try
        {
            var (status, problem) = await _context.Api.DeleteAsync(_context.Endpoints[endpoint], key.Key, aborted);
            if (status == HttpStatusCode.NotFound && key.IsExact && key.Exact is not null)
            {
                // The tombstone is written anyway, but no replica held what was acknowledged.
                _context.Stats.Unexpected(OperationKind.Delete, "lost acknowledged write (DELETE found no copy)", $"DELETE '{key.Key}' via {_context.Endpoints[endpoint]} answered 404; expected {key}");
                key.Acknowledged(null);
                return;
            }

            if (status is HttpStatusCode.OK or HttpStatusCode.NotFound)
            {
                key.Acknowledged(null);
                _context.Stats.Success(OperationKind.Delete, clock.Elapsed);
                return;
            }

            key.Attempted(null);
            Failed(OperationKind.Delete, key, endpoint, started, $"{(int)status} {problem}", status);
        }
        catch (Exception ex) when (NodeApi.IsTransportFailure(ex) || (ex is OperationCanceledException && !aborted.IsCancellationRequested))
        {
            key.Attempted(null);
            Failed(OperationKind.Delete, key, endpoint, started, Describe(ex), status: null);
        }
    }

    /// <summary>Sorts a failed request: expected only if it went to the node being restarted while it was.</summary>
    private void Failed(OperationKind kind, KeyExpectation key, int endpoint, DateTime started, string what, HttpStatusCode? status)
    {
        var ended = DateTime.UtcNow;
        var window = _context.Window;
        if (status is null)
        {
            // Give the node a moment before this client sends it the next request.
            _avoidUntil[endpoint] = ended.AddSeconds(1);
        }

        if (window.Covers(endpoint, started, ended) && status is null or HttpStatusCode.ServiceUnavailable)
        {
            _context.Stats.Expected(kind, status is null ? "no answer from the restarting node" : "503 from the restarting node (not yet reconnected)");
            return;
        }

        if (status == HttpStatusCode.ServiceUnavailable && window.CoversAny(started, ended) && _context.WriteQuorum > _context.Endpoints.Count - 1)
        {
            _context.Stats.Expected(kind, "503: W cannot be met while a node is down");
            return;
        }

        var cause = status is null ? $"{kind} got no answer" : $"{kind} answered {(int)status}";
        _context.Stats.Unexpected(kind, cause, $"{kind.ToString().ToUpperInvariant()} '{key.Key}' via {_context.Endpoints[endpoint]}: {what}");
    }

    private int PickEndpoint()
    {
        var now = DateTime.UtcNow;
        var usable = Enumerable.Range(0, _avoidUntil.Length).Where(i => _avoidUntil[i] <= now).ToList();
        return usable.Count == 0 ? _random.Next(_avoidUntil.Length) : usable[_random.Next(usable.Count)];
    }

    private static string Mismatch(KeyExpectation key, string? seen)
    {
        if (!key.IsExact)
        {
            return "wrong content";
        }

        return (key.Exact, seen) switch
        {
            (not null, null) => "lost acknowledged write",
            (null, not null) => "deleted key came back",
            _ => "wrong content",
        };
    }

    private static string Describe(Exception ex)
        => ex.InnerException is { } inner ? $"{ex.GetType().Name}: {ex.Message} ({inner.GetType().Name}: {inner.Message})" : $"{ex.GetType().Name}: {ex.Message}";
}
