using System.Security.Cryptography;
using System.Text;

namespace PeerVault.DemoClient;

/// <summary>One file of the demo set; its content is derived from its name, so a later run can check it without keeping it.</summary>
public sealed record DemoFile(string Key, byte[] Content, bool IsSmall)
{
    public const string SmallContent = "my big data file here!";

    public static IReadOnlyList<DemoFile> Set(int smallFiles, int largeFileBytes)
    {
        var files = Enumerable.Range(0, smallFiles)
            .Select(i => new DemoFile($"picture_{i}.png", Encoding.UTF8.GetBytes(SmallContent), IsSmall: true))
            .ToList();
        files.Add(new DemoFile("large_random.bin", Deterministic(largeFileBytes), IsSmall: false));
        return files;
    }

    /// <summary>Pseudo-random bytes (SHA-256 in counter mode): incompressible, and the same on every run.</summary>
    private static byte[] Deterministic(int length)
    {
        var bytes = new byte[length];
        Span<byte> counter = stackalloc byte[8];
        for (var offset = 0L; offset < length; offset += 32)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(counter, offset);
            var block = SHA256.HashData(counter);
            block.AsSpan(0, (int)Math.Min(32, length - offset)).CopyTo(bytes.AsSpan((int)offset));
        }

        return bytes;
    }
}
