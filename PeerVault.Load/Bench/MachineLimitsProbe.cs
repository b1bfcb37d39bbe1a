using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace PeerVault.Load.Bench;

/// <summary>
/// Measures what this machine can do at best, in the same run as the workloads: the limits every
/// result is divided by. The disk figures are taken in <c>directory</c>, which for a local
/// cluster is beside the nodes' data (the same filesystem).
/// </summary>
internal static class MachineLimitsProbe
{
    private const int DiskBlock = 1 << 20;
    private const int CipherChunk = 64 << 10;
    private const int SmallFile = 4 << 10;
    private static readonly TimeSpan CpuWindow = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan LoopbackWindow = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan SmallFilesWindow = TimeSpan.FromSeconds(3);

    /// <summary>
    /// <paramref name="diskBytes"/>: how much the raw write writes (the large object's size, so the
    /// disk sees the same amount as a large PUT's replica does).
    /// </summary>
    public static async Task<MachineLimits> MeasureAsync(string directory, long diskBytes, BenchProgress progress, CancellationToken cancellationToken)
    {
        using var task = progress.Start("limits", 5);
        task.Describe("limits: disk write+fsync");
        var disk = await Task.Run(() => DiskWriteFsync(directory, diskBytes, cancellationToken), cancellationToken);
        task.Advance(1);
        task.Describe("limits: AES-256-GCM");
        var aes = await Task.Run(AesGcmSeal, cancellationToken);
        task.Advance(1);
        task.Describe("limits: SHA-256");
        var sha = await Task.Run(Sha256, cancellationToken);
        task.Advance(1);
        task.Describe("limits: loopback TCP");
        var loopback = await LoopbackAsync(cancellationToken);
        task.Advance(1);
        task.Describe("limits: small files");
        var files = await Task.Run(() => SmallFiles(directory, cancellationToken), cancellationToken);
        task.Advance(1);
        return new MachineLimits(
            Math.Round(disk, 1),
            diskBytes,
            Math.Round(aes, 1),
            Math.Round(sha, 1),
            Math.Round(loopback, 1),
            Math.Round(files, 1),
            "one thread: create, write 4 KiB, fsync the file, close; the directory is not fsynced per file");
    }

    /// <summary>MB/s of writing <paramref name="bytes"/> in 1 MiB blocks to a new file and fsyncing it once at the end.</summary>
    internal static double DiskWriteFsync(string directory, long bytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"limit-disk-{Guid.NewGuid():N}.tmp");
        var buffer = ArrayPool<byte>.Shared.Rent(DiskBlock);
        try
        {
            new ContentPattern(1, DiskBlock).Fill(0, buffer.AsSpan(0, DiskBlock));
            var clock = Stopwatch.StartNew();
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                for (long written = 0; written < bytes; written += DiskBlock)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    file.Write(buffer, 0, (int)Math.Min(DiskBlock, bytes - written));
                }

                file.Flush(flushToDisk: true);
            }

            return bytes / clock.Elapsed.TotalSeconds / 1e6;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            File.Delete(path);
        }
    }

    /// <summary>MB/s of sealing 64 KiB chunks with AES-256-GCM on one thread (a fresh nonce per chunk, as the object format does).</summary>
    internal static double AesGcmSeal()
    {
        using var aes = new AesGcm(RandomNumberGenerator.GetBytes(32), AesGcm.TagByteSizes.MaxSize);
        var plain = new byte[CipherChunk];
        var sealedBytes = new byte[CipherChunk];
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> tag = stackalloc byte[16];
        long done = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0L; clock.Elapsed < CpuWindow; i++)
        {
            BitConverter.TryWriteBytes(nonce, i);
            aes.Encrypt(nonce, plain, sealedBytes, tag);
            done += CipherChunk;
        }

        return done / clock.Elapsed.TotalSeconds / 1e6;
    }

    /// <summary>MB/s of SHA-256 over 64 KiB appends on one thread.</summary>
    internal static double Sha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var data = new byte[CipherChunk];
        long done = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < CpuWindow)
        {
            hash.AppendData(data);
            done += CipherChunk;
        }

        hash.GetHashAndReset();
        return done / clock.Elapsed.TotalSeconds / 1e6;
    }

    /// <summary>MB/s through one loopback TCP connection: one task writes 256 KiB buffers, another reads them.</summary>
    internal static async Task<double> LoopbackAsync(CancellationToken cancellationToken)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepting = listener.AcceptAsync(cancellationToken);
        await sender.ConnectAsync(listener.LocalEndPoint!, cancellationToken);
        using var receiver = await accepting;
        var buffer = new byte[256 << 10];
        var inbox = new byte[256 << 10];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = Stopwatch.StartNew();
        var sending = Task.Run(
            async () =>
            {
                while (clock.Elapsed < LoopbackWindow)
                {
                    await sender.SendAsync(buffer, SocketFlags.None, stop.Token);
                }

                sender.Shutdown(SocketShutdown.Send);
            },
            cancellationToken);
        long received = 0;
        int read;
        while ((read = await receiver.ReceiveAsync(inbox, SocketFlags.None, cancellationToken)) > 0)
        {
            received += read;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await sending;
        return received / seconds / 1e6;
    }

    /// <summary>Files per second: each created, written with 4 KiB, fsynced and closed, one after another on one thread.</summary>
    internal static double SmallFiles(string directory, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(directory, $"limit-files-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var content = new byte[SmallFile];
        new ContentPattern(2, SmallFile).Fill(0, content);
        try
        {
            var files = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < SmallFilesWindow)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var file = new FileStream(Path.Combine(folder, files.ToString("D7", System.Globalization.CultureInfo.InvariantCulture)), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
                file.Write(content);
                file.Flush(flushToDisk: true);
                files++;
            }

            return files / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
