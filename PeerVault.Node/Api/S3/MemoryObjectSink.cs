using PeerVault.Node.Cluster;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api.S3;

/// <summary>Reads a small object (an upload's record, written by this layer) whole into memory.</summary>
internal sealed class MemoryObjectSink : IObjectSink, IDisposable
{
    private readonly MemoryStream _body = new();

    public IndexEntry? Entry { get; private set; }

    public bool HasStarted => _body.Length > 0;

    public byte[] Bytes => _body.ToArray();

    public void Reset()
    {
        _body.SetLength(0);
        Entry = null;
    }

    public void Dispose() => _body.Dispose();

    public ObjectSinkTarget? Begin(IndexEntry entry, string servedBy)
    {
        Entry = entry;
        return new ObjectSinkTarget(_body, 0, entry.Size, WholeObject: true);
    }
}

/// <summary>Passes a read's bytes into a stream (a pipe) and remembers which version it read.</summary>
internal sealed class StreamObjectSink(Stream output) : IObjectSink
{
    public IndexEntry? Entry { get; private set; }

    public bool HasStarted { get; private set; }

    public void Reset() => HasStarted = false;

    public ObjectSinkTarget? Begin(IndexEntry entry, string servedBy)
    {
        Entry = entry;
        HasStarted = true;
        return new ObjectSinkTarget(output, 0, entry.Size, WholeObject: true);
    }
}
