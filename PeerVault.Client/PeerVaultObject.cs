namespace PeerVault.Client;

/// <summary>
/// An object being read: its <see cref="Properties"/> and its <see cref="Content"/>, streamed from
/// the node as it is read (nothing is buffered). The content checks that every announced byte
/// arrives: a response cut short (a copy failed verification mid-stream, or the connection broke)
/// is a <see cref="PeerVaultIntegrityException"/>, never a silently short object. Dispose it to
/// release the connection.
/// </summary>
public sealed class PeerVaultObject : IDisposable, IAsyncDisposable
{
    private readonly HttpResponseMessage _response;

    internal PeerVaultObject(ObjectProperties properties, Stream content, HttpResponseMessage response)
    {
        Properties = properties;
        Content = content;
        _response = response;
    }

    public ObjectProperties Properties { get; }

    /// <summary>The bytes, read-only and forward-only.</summary>
    public Stream Content { get; }

    public void Dispose()
    {
        Content.Dispose();
        _response.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        _response.Dispose();
    }
}
