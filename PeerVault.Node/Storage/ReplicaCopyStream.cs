using System.Buffers;
using System.Threading.Channels;

namespace PeerVault.Node.Storage;

/// <summary>
/// Sealed bytes on their way to a reader (the cipher verifying them, perhaps decrypting them for a
/// client), copied into a temporary blob as they pass, so a replica is written in the same pass
/// that verifies it: no second read of the data, no staging before the reader gets its first byte.
/// What is read is copied into pooled blocks that a writer task hashes and writes beside the
/// reader's own work; at most <see cref="BlocksInFlight"/> blocks wait, so a slow disk slows the
/// reader (back-pressure) rather than growing memory. A write that fails ends the copy, never the
/// reads: the reader carries on and <see cref="ObjectStore.KeepCopyAsync"/> then throws the failure.
/// Nothing is visible in the store until that call commits the blob; disposing an uncommitted copy
/// deletes the temporary file. The inner stream stays the caller's.
/// </summary>
public sealed class ReplicaCopyStream : ReadOnlyStream
{
    private const int BlockSize = 256 * 1024;
    private const int BlocksInFlight = 4;

    private readonly Stream _inner;
    private readonly Channel<(byte[] Block, int Length)> _blocks = Channel.CreateBounded<(byte[] Block, int Length)>(
        new BoundedChannelOptions(BlocksInFlight) { SingleReader = true, SingleWriter = true });

    private readonly Task _writing;
    private byte[]? _block;
    private int _filled;
    private volatile Exception? _failure;

    internal ReplicaCopyStream(IndexEntry announced, Stream inner, BlobWriteStream writer)
    {
        Announced = announced;
        _inner = inner;
        Writer = writer;
        _writing = Task.Run(WriteBlocksAsync, CancellationToken.None);
    }

    /// <summary>
    /// The entry the copied bytes are announced as (its blob id, sizes). A pipelined replica's entry
    /// comes after its bytes (<see cref="ObjectStore.AcceptStreamedReplicaAsync"/>), which set it then.
    /// </summary>
    public IndexEntry Announced { get; internal set; }

    /// <summary>The first write failure, after which nothing more is copied.</summary>
    public Exception? Failure => _failure;

    /// <summary>Whether a read found the end of the inner stream (so the copy holds all of it).</summary>
    public bool ReachedEnd { get; private set; }

    internal BlobWriteStream Writer { get; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken);
        if (read == 0)
        {
            ReachedEnd = buffer.Length > 0;
        }
        else if (_failure is null)
        {
            await CopyAsync(buffer[..read], cancellationToken);
        }

        return read;
    }

    /// <summary>Hands the last partial block to the writer and waits until every block is written; a failure is kept, not thrown.</summary>
    internal async Task FinishWriteAsync()
    {
        if (_failure is null)
        {
            await QueueBlockAsync(CancellationToken.None);
        }

        _blocks.Writer.TryComplete();
        await _writing;
    }

    private async ValueTask CopyAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            _block ??= ArrayPool<byte>.Shared.Rent(BlockSize);
            var take = Math.Min(bytes.Length, BlockSize - _filled);
            bytes.Span[..take].CopyTo(_block.AsSpan(_filled));
            _filled += take;
            bytes = bytes[take..];
            if (_filled == BlockSize)
            {
                await QueueBlockAsync(cancellationToken);
            }
        }
    }

    private async ValueTask QueueBlockAsync(CancellationToken cancellationToken)
    {
        if (_block is null || _filled == 0)
        {
            return;
        }

        var block = (_block, _filled);
        _block = null;
        _filled = 0;
        try
        {
            await _blocks.Writer.WriteAsync(block, cancellationToken);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(block._block);
            throw;
        }
    }

    private async Task WriteBlocksAsync()
    {
        // Drains every block, after a failure too, so the reader is never left waiting and every buffer goes back.
        await foreach (var (block, length) in _blocks.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                if (_failure is null)
                {
                    await Writer.WriteAsync(block.AsMemory(0, length), CancellationToken.None);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                _failure = ex;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(block);
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        // The writer may not go while a block still uses it.
        _blocks.Writer.TryComplete();
        await _writing;
        // Stream's own DisposeAsync runs Dispose(true), which now finds the writer task done.
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _blocks.Writer.TryComplete();
            _writing.GetAwaiter().GetResult();
            ReturnPartialBlock();
            Writer.Dispose();
        }

        base.Dispose(disposing);
    }

    private void ReturnPartialBlock()
    {
        if (Interlocked.Exchange(ref _block, null) is { } block)
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }
}
