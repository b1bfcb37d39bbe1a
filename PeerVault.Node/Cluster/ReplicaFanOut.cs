using System.IO.Pipelines;
using System.Security.Cryptography;
using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster;

/// <summary>
/// A pipelined write's sealed bytes on their way to every placed replica at once: each write goes
/// to this node's own copy (when it is a replica) and into one bounded pipe per peer, which that
/// peer's transfer sends on as it fills. A pipe holds at most <see cref="PeerBufferBytes"/>, so the
/// slowest replica paces the write and memory stays bounded whatever the object's size. A peer
/// whose transfer fails drops out and the others carry on. Once the last byte is sealed,
/// <see cref="FinishAsync"/> ends every stream with the entry that names the bytes;
/// <see cref="AbortAsync"/> ends them so that no replica keeps anything.
/// </summary>
internal sealed class ReplicaFanOut : Stream
{
    /// <summary>Sealed bytes waiting for one peer before the write waits for it.</summary>
    public const int PeerBufferBytes = 1 << 20;

    private static readonly PipeOptions LaneOptions = new(
        pauseWriterThreshold: PeerBufferBytes,
        resumeWriterThreshold: PeerBufferBytes / 2,
        minimumSegmentSize: 64 * 1024,
        useSynchronizationContext: false);

    private readonly BlobWriteStream? _local;
    private readonly IncrementalHash? _hash;
    private readonly IReadOnlyList<Lane> _lanes;
    private long _written;

    /// <param name="local">This node's copy, which hashes the bytes too; null when this node is not a replica (the bytes are hashed here).</param>
    /// <param name="lanes">One per peer replica, each started with <see cref="Lane.Start"/>.</param>
    public ReplicaFanOut(BlobWriteStream? local, IReadOnlyList<Lane> lanes)
    {
        _local = local;
        _hash = local is null ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        _lanes = lanes;
    }

    /// <summary>Sealed bytes written so far.</summary>
    public override long Length => _written;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Position
    {
        get => _written;
        set => throw new NotSupportedException();
    }

    /// <summary>The blob id of everything written: call once the last byte is in.</summary>
    public BlobId Id() => _local?.CurrentId() ?? BlobId.FromHash(_hash!.GetCurrentHash());

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // The disk write runs while the bytes are copied into the peers' pipes.
        var local = _local?.WriteAsync(buffer, cancellationToken) ?? ValueTask.CompletedTask;
        _hash?.AppendData(buffer.Span);
        try
        {
            foreach (var lane in _lanes)
            {
                await lane.WriteAsync(buffer, cancellationToken);
            }
        }
        finally
        {
            await local;
        }

        _written += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Ends every peer's stream with <paramref name="trailer"/> (the entry naming the bytes).</summary>
    public async Task FinishAsync(ReadOnlyMemory<byte> trailer, CancellationToken cancellationToken)
    {
        foreach (var lane in _lanes)
        {
            await lane.WriteAsync(trailer, cancellationToken);
            await lane.CompleteAsync(null);
        }
    }

    /// <summary>Ends every peer's stream as failed: the replicas discard what they received.</summary>
    public async Task AbortAsync(Exception reason)
    {
        foreach (var lane in _lanes)
        {
            await lane.CompleteAsync(reason);
        }
    }

    /// <summary>The transfer to <paramref name="member"/>, or null when it is not a lane of this write.</summary>
    public Task<string>? TransferTo(Member member) => _lanes.FirstOrDefault(l => l.Member.Id == member.Id)?.Transfer;

    /// <summary>Every transfer, for waiting on them after an abort.</summary>
    public Task AllTransfers() => Task.WhenAll(_lanes.Select(l => l.Transfer));

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Write asynchronously.");

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
            foreach (var lane in _lanes)
            {
                // A write that ended without Finish or Abort must not leave a transfer waiting.
                lane.Abandon();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>One peer replica's share of the write: a bounded pipe and the transfer that drains it.</summary>
    public sealed class Lane
    {
        private readonly Pipe _pipe = new(LaneOptions);
        private bool _closed;

        private Lane(Member member) => Member = member;

        public Member Member { get; }

        /// <summary>The replica's answer (applied, duplicate or superseded), or the transfer's failure.</summary>
        public Task<string> Transfer { get; private set; } = null!;

        /// <summary>Starts <paramref name="send"/> on the stream of what will be written to this lane.</summary>
        public static Lane Start(Member member, Func<Stream, Task<string>> send)
        {
            ArgumentNullException.ThrowIfNull(send);
            var lane = new Lane(member);
            lane.Transfer = lane.SendAsync(send);
            return lane;
        }

        internal async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            if (_closed)
            {
                return;
            }

            // A finished reader (the transfer failed and completed it) ends this lane, not the write.
            var result = await _pipe.Writer.WriteAsync(bytes, cancellationToken);
            if (result.IsCompleted)
            {
                _closed = true;
            }
        }

        internal async ValueTask CompleteAsync(Exception? failure)
        {
            if (!_closed)
            {
                _closed = true;
                await _pipe.Writer.CompleteAsync(failure);
            }
        }

        internal void Abandon()
        {
            if (!_closed)
            {
                _closed = true;
                _pipe.Writer.Complete(new IOException("The write was abandoned."));
            }
        }

        private async Task<string> SendAsync(Func<Stream, Task<string>> send)
        {
            // Yield first: the transfer must not run on the writer's stack up to its first wait.
            await Task.Yield();
            try
            {
                await using var stream = _pipe.Reader.AsStream(leaveOpen: true);
                return await send(stream);
            }
            finally
            {
                await _pipe.Reader.CompleteAsync();
            }
        }
    }
}
