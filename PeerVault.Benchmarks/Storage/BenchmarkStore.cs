using Microsoft.Extensions.Logging.Abstractions;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;

namespace PeerVault.Benchmarks.Storage;

/// <summary>
/// A node's object store in a fresh temporary data directory (the same pieces the node composes),
/// plus the raw-file helpers the baselines use: what the store does, minus PeerVault.
/// </summary>
internal sealed class BenchmarkStore : IDisposable
{
    /// <summary>The copy size of the raw baselines: the chunk size, so both issue the same writes.</summary>
    public const int IoSize = ObjectCipher.DefaultChunkSize;

    private readonly KeyIndex _index;

    public BenchmarkStore()
    {
        Root = Directory.CreateTempSubdirectory("peervault-bench-").FullName;
        var blobs = new BlobStore(Root);
        _index = new KeyIndex(Path.Combine(Root, KeyIndex.FileName), NullLogger.Instance);
        Store = new ObjectStore(blobs, _index, new ObjectCipher(BenchmarkKeys.Ring()), new NodeTracing(new NodeIdentity(Guid.NewGuid(), "bench")), NullLogger<ObjectStore>.Instance);
    }

    public string Root { get; }

    public ObjectStore Store { get; }

    /// <summary>Seals <paramref name="plaintext"/> and makes it current under <paramref name="key"/>.</summary>
    public IndexEntry Put(string key, byte[] plaintext, ObjectVersion version)
    {
        var (blob, lease) = Store.SealAsync(new MemoryStream(plaintext, writable: false), CancellationToken.None).GetAwaiter().GetResult();
        using (lease)
        {
            var entry = new IndexEntry { Key = key, BlobId = blob.Id.Value, Size = blob.Size, SealedLength = blob.SealedLength, Version = version, UpdatedAt = version.WallTime };
            Store.ApplyAsync(entry).GetAwaiter().GetResult();
            return entry;
        }
    }

    /// <summary>The baseline write: the bytes to a new file in IoSize writes, fsync, delete.</summary>
    public async Task<long> RawWriteAndFsyncAsync(byte[] bytes)
    {
        var path = Path.Combine(Root, "raw.tmp");
        await using (var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 0, Options = FileOptions.Asynchronous }))
        {
            for (var offset = 0; offset < bytes.Length; offset += IoSize)
            {
                await file.WriteAsync(bytes.AsMemory(offset, Math.Min(IoSize, bytes.Length - offset)));
            }

            file.Flush(flushToDisk: true);
        }

        File.Delete(path);
        return bytes.Length;
    }

    /// <summary>The baseline read: a file read front to back into one reused buffer.</summary>
    public static async Task<long> RawReadAsync(string path, byte[] buffer)
    {
        await using var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, BufferSize = 0, Options = FileOptions.Asynchronous | FileOptions.SequentialScan });
        long total = 0;
        int read;
        while ((read = await file.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        return total;
    }

    public void Dispose()
    {
        _index.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
