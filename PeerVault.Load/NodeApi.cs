using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using PeerVault.Client;
using PeerVault.Contracts;

namespace PeerVault.Load;

/// <summary>
/// Nodes as the soak and the bench address them, one at a time, through PeerVault.Client: every
/// call names the node it goes to (no failover: the tools measure and sort errors per node), and
/// answers the node refused come back as their status with the problem's detail, which is what
/// the tools tally. A node that cannot be reached, or a body cut short, is an exception
/// (<see cref="IsTransportFailure"/>).
/// </summary>
internal sealed class NodeApi : IDisposable
{
    private const int BufferSize = 64 << 10;
    private readonly string _apiKey;
    private readonly TimeSpan _timeout;
    private readonly ConcurrentDictionary<Uri, PeerVaultClient> _nodes = new();

    /// <param name="apiKey">The admin key every request carries.</param>
    /// <param name="timeout">Per request, whole body included (2 min; the bench's gigabyte objects need longer).</param>
    public NodeApi(string apiKey, TimeSpan? timeout = null)
    {
        _apiKey = apiKey;
        _timeout = timeout ?? TimeSpan.FromMinutes(2);
    }

    /// <summary>A failure to talk to the node at all (as opposed to an answer), which the tools count per node.</summary>
    public static bool IsTransportFailure(Exception ex) => ex is PeerVaultUnreachableException or PeerVaultIntegrityException { Status: null } or IOException;

    /// <summary>The status and, when it is not 201, the problem text.</summary>
    public Task<(HttpStatusCode Status, string? Problem)> PutAsync(Uri node, string key, ContentPattern content, CancellationToken cancellationToken)
        => PutAsync(node, key, content.OpenRead(), content.Length, cancellationToken);

    /// <summary>PUT of a body read from <paramref name="source"/> (streamed, never buffered): the status and, when it is not 201, the problem text.</summary>
    public async Task<(HttpStatusCode Status, string? Problem)> PutAsync(Uri node, string key, Stream source, long length, CancellationToken cancellationToken)
    {
        await using (source)
        {
            return await AnswerAsync(async token =>
            {
                await Node(node).PutAsync(key, source, length, token);
                return HttpStatusCode.Created;
            }, cancellationToken);
        }
    }

    /// <summary>The status and, for 200, the SHA-256 and length of the body (streamed through the hash, never held).</summary>
    public async Task<(HttpStatusCode Status, string? Sha256, long Length, string? Problem)> GetAsync(Uri node, string key, CancellationToken cancellationToken)
    {
        var read = await ReadAsync(node, key, null, cancellationToken);
        return (read.Status, read.Sha256, read.Length, read.Problem);
    }

    /// <summary>
    /// GET with the body streamed through SHA-256 (never held), <paramref name="progress"/> told of
    /// every buffer read, and the node's <c>X-PeerVault-Served-By</c> (<c>local</c> or the replica it streamed from).
    /// </summary>
    public async Task<ReadOutcome> ReadAsync(Uri node, string key, Action<int>? progress, CancellationToken cancellationToken)
    {
        using var deadline = Deadline(cancellationToken);
        PeerVaultObject read;
        try
        {
            read = await Node(node).GetAsync(key, cancellationToken: deadline.Token);
        }
        catch (PeerVaultException ex) when (ex.Status is { } status)
        {
            return new((HttpStatusCode)status, null, 0, status == 404 ? null : ex.Message, null);
        }

        await using (read)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            long length = 0;
            try
            {
                int count;
                while ((count = await read.Content.ReadAsync(buffer.AsMemory(0, BufferSize), deadline.Token)) > 0)
                {
                    hash.AppendData(buffer, 0, count);
                    length += count;
                    progress?.Invoke(count);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            return new(HttpStatusCode.OK, Convert.ToHexStringLower(hash.GetHashAndReset()), length, null, read.Properties.ServedBy);
        }
    }

    /// <summary><c>GET /v1/placement/{key}</c>: the names of the nodes placed to hold the key.</summary>
    public async Task<IReadOnlyList<string>> PlacementAsync(Uri node, string key, CancellationToken cancellationToken)
        => (await Node(node).GetPlacementAsync(key, cancellationToken)).Placement;

    public Task<(HttpStatusCode Status, string? Problem)> DeleteAsync(Uri node, string key, CancellationToken cancellationToken)
        => AnswerAsync(async token =>
        {
            await Node(node).DeleteAsync(key, token);
            return HttpStatusCode.OK;
        }, cancellationToken);

    /// <summary><c>GET /v1/cluster</c>, or null if the node does not answer it.</summary>
    public async Task<ClusterDescription?> DescribeAsync(Uri node, CancellationToken cancellationToken)
    {
        try
        {
            return await Node(node).GetClusterAsync(cancellationToken);
        }
        catch (PeerVaultException)
        {
            return null;
        }
    }

    /// <summary>Whether the node answers <c>/v1/cluster</c> and sees every other member of <paramref name="members"/> alive.</summary>
    public async Task<bool> SeesAllAliveAsync(Uri node, int members, CancellationToken cancellationToken)
        => await DescribeAsync(node, cancellationToken) is { } cluster && cluster.Members.Count(m => m.State == "alive") >= members;

    /// <summary>Polls until every endpoint sees every other alive, or the timeout passes.</summary>
    public async Task<bool> WaitUntilAllSeeAllAsync(IReadOnlyList<Uri> endpoints, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var all = true;
            foreach (var endpoint in endpoints)
            {
                all &= await SeesAllAliveAsync(endpoint, endpoints.Count, cancellationToken);
            }

            if (all)
            {
                return true;
            }

            await Task.Delay(250, cancellationToken);
        }

        return false;
    }

    public async Task<string> SyncAsync(Uri node, CancellationToken cancellationToken)
    {
        try
        {
            var result = await Node(node).SyncAsync(cancellationToken);
            return $"200 {result}";
        }
        catch (PeerVaultException ex)
        {
            return $"{ex.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no answer"} {ex.Message}";
        }
    }

    /// <summary>Every live key under <paramref name="prefix"/> (all pages) → its object id.</summary>
    public async Task<Dictionary<string, string>> ListAsync(Uri node, string prefix, CancellationToken cancellationToken)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        await ListPagesAsync(node, prefix, page => page.ForEach(e => keys[e.Key] = e.ObjectId), cancellationToken);
        return keys;
    }

    /// <summary>Every live key under <paramref name="prefix"/>, handed to <paramref name="page"/> one page (at most 10,000) at a time.</summary>
    public async Task ListPagesAsync(Uri node, string prefix, Action<List<(string Key, string ObjectId)>> page, CancellationToken cancellationToken)
    {
        await foreach (var listing in Node(node).ListPagesAsync(prefix, pageSize: 10_000, cancellationToken: cancellationToken))
        {
            page([.. listing.Objects.Select(o => (o.Key, o.ObjectId))]);
        }
    }

    public void Dispose()
    {
        foreach (var client in _nodes.Values)
        {
            client.Dispose();
        }
    }

    /// <summary>What a GET gave: for 200 the body's SHA-256 and length, else the problem text (null for 404).</summary>
    public sealed record ReadOutcome(HttpStatusCode Status, string? Sha256, long Length, string? Problem, string? ServedBy);

    private PeerVaultClient Node(Uri node) => _nodes.GetOrAdd(node, endpoint =>
    {
        var options = new PeerVaultClientOptions { ApiKey = _apiKey };
        options.Endpoints.Add(endpoint);
        return new PeerVaultClient(options);
    });

    /// <summary>The answer's status: the success one, or the one the node refused with and the problem's detail.</summary>
    private async Task<(HttpStatusCode Status, string? Problem)> AnswerAsync(Func<CancellationToken, Task<HttpStatusCode>> call, CancellationToken cancellationToken)
    {
        using var deadline = Deadline(cancellationToken);
        try
        {
            return (await call(deadline.Token), null);
        }
        catch (PeerVaultException ex) when (ex.Status is { } status)
        {
            return ((HttpStatusCode)status, ex.Message);
        }
    }

    private CancellationTokenSource Deadline(CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_timeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(_timeout);
        }

        return deadline;
    }
}
