namespace PeerVault.Node.Storage;

/// <summary>
/// The first <paramref name="length"/> bytes of <paramref name="inner"/>, which goes on afterwards
/// (a pipelined replica's sealed bytes, followed on the same stream by the entry that names them).
/// It ends early if the inner stream does; the cipher reading it then finds the object truncated.
/// The inner stream stays the caller's.
/// </summary>
internal sealed class LengthLimitedStream(Stream inner, long length) : ReadOnlyStream
{
    private long _remaining = length >= 0 ? length : throw new ArgumentOutOfRangeException(nameof(length));

    // Not an async method when nothing is left: no state machine for the reads that end it.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => _remaining == 0 || buffer.IsEmpty ? ValueTask.FromResult(0) : ReadCoreAsync(buffer, cancellationToken);

    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken);
        _remaining -= read;
        return read;
    }
}
