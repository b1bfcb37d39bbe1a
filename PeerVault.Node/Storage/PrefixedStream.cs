namespace PeerVault.Node.Storage;

/// <summary>
/// A read-only stream of <paramref name="prefix"/> followed by the rest of <paramref name="rest"/>:
/// a sealed object's header and then its chunks from some chunk on (a range read sent to a peer).
/// Disposing it disposes <paramref name="rest"/>.
/// </summary>
internal sealed class PrefixedStream(byte[] prefix, Stream rest) : ReadOnlyStream
{
    private int _prefixSent;

    // Not an async method: the inner stream's ValueTask is handed back as it is, no state machine per read.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_prefixSent < prefix.Length)
        {
            var count = Math.Min(buffer.Length, prefix.Length - _prefixSent);
            prefix.AsMemory(_prefixSent, count).CopyTo(buffer);
            _prefixSent += count;
            return ValueTask.FromResult(count);
        }

        return rest.ReadAsync(buffer, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            rest.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await rest.DisposeAsync();
        await base.DisposeAsync();
    }
}
