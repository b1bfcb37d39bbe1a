using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace PeerVault.Node.Storage;

/// <summary>
/// Reads through to another stream while hashing (SHA-256) and counting what passes, so a blob's
/// content hash is checked in the same pass that verifies its chunks; an optional callback after each
/// read lets the reader be paced (scrub's rate limit).
/// </summary>
internal sealed class HashingReadStream(Stream inner, Func<int, CancellationToken, ValueTask>? afterRead = null) : ReadOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesRead { get; private set; }

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    /// <summary>Reads whatever is left (so the hash covers every byte) and returns the hash.</summary>
    public async Task<BlobId> FinishAsync(CancellationToken cancellationToken)
    {
        await CopyToAsync(Null, 64 * 1024, cancellationToken);
        return BlobId.FromHash(_hash.GetHashAndReset());
    }

    // Pooled: a read that waits for the disk or a peer would otherwise allocate a state machine per chunk.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        _hash.AppendData(buffer.Span[..read]);
        BytesRead += read;
        if (afterRead is not null && read > 0)
        {
            await afterRead(read, cancellationToken);
        }

        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
