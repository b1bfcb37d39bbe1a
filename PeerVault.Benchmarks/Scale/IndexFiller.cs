using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using PeerVault.Node.Storage;

namespace PeerVault.Benchmarks.Scale;

/// <summary>
/// Writes N entries straight into a node's key index (<see cref="KeyIndex"/>, as a node would
/// through group commit) without their blobs: what is measured is the index, and a million 4 KiB
/// blobs would only measure the file system. Keys look like an application's (<c>tenant-07/…</c>).
/// </summary>
internal static class IndexFiller
{
    private const int InFlight = 8_192;

    /// <summary>Fills the index at <paramref name="path"/>; returns the entries per second it took them at.</summary>
    public static async Task<double> FillAsync(string path, int objects, Action<int> progress)
    {
        using var index = new KeyIndex(path, NullLogger.Instance);
        var writer = Guid.NewGuid();
        var started = Stopwatch.GetTimestamp();
        var pending = new List<Task>(InFlight);
        for (var i = 0; i < objects; i++)
        {
            pending.Add(index.ApplyAsync(Entry(i, writer)));
            if (pending.Count == InFlight)
            {
                await Task.WhenAll(pending);
                pending.Clear();
                progress(i + 1);
            }
        }

        await Task.WhenAll(pending);
        progress(objects);
        return objects / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    public static string KeyOf(int i) => $"tenant-{i % 64:D2}/photos/{i / 64:D7}.jpg";

    private static IndexEntry Entry(int i, Guid writer)
    {
        var key = KeyOf(i);
        var version = new ObjectVersion(1_700_000_000_000 + i, 0, writer);
        return new IndexEntry
        {
            Key = key,
            BlobId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))),
            Size = 4_096,
            SealedLength = 4_096 + 64,
            Version = version,
            UpdatedAt = version.WallTime,
        };
    }
}
