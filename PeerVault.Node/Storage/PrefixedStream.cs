namespace PeerVault.Node.Storage;

/// <summary>
/// A read-only stream of <paramref name="prefix"/> followed by the rest of <paramref name="rest"/>:
/// a sealed object's header and then its chunks from some chunk on (a range read sent to a peer).
/// Disposing it disposes <paramref name="rest"/>.
/// </summary>
internal sealed class PrefixedStream(byte[] prefix, Stream rest) : ReadOnlyStream
{
    private int _prefixSent;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_prefixSent < prefix.Length)
        {
            var count = Math.Min(buffer.Length, prefix.Length - _prefixSent);
            prefix.AsMemory(_prefixSent, count).CopyTo(buffer);
            _prefixSent += count;
            return count;
        }

        return await rest.ReadAsync(buffer, cancellationToken);
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
