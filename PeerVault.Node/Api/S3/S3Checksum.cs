using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using System.Security.Cryptography;

namespace PeerVault.Node.Api.S3;

/// <summary>The checksum algorithms S3 clients send (<c>x-amz-checksum-*</c>), by their header suffix.</summary>
public static class S3ChecksumAlgorithms
{
    public const string Crc32 = "crc32";
    public const string Crc32C = "crc32c";
    public const string Crc64Nvme = "crc64nvme";
    public const string Sha1 = "sha1";
    public const string Sha256 = "sha256";

    public static readonly IReadOnlyList<string> All = [Crc32, Crc32C, Crc64Nvme, Sha1, Sha256];

    /// <summary>The header that carries an algorithm's value.</summary>
    public static string Header(string algorithm) => "x-amz-checksum-" + algorithm;

    /// <summary>A name as SDKs send it (<c>CRC32</c>, <c>crc64nvme</c>…) to ours; null if unknown.</summary>
    public static string? Normalize(string? name) => name?.Trim().ToLowerInvariant() is { } lower && All.Contains(lower) ? lower : null;

    /// <summary>As S3 writes the name in XML and in <c>x-amz-checksum-algorithm</c>.</summary>
    public static string Display(string algorithm) => algorithm.ToUpperInvariant();

    /// <summary>Raw digest length, to check a base64 value someone sent.</summary>
    public static int DigestLength(string algorithm) => algorithm switch
    {
        Crc32 or Crc32C => 4,
        Crc64Nvme => 8,
        Sha1 => 20,
        _ => 32,
    };
}

/// <summary>One running checksum of an S3 algorithm over streamed bytes.</summary>
public sealed class S3Checksum : IDisposable
{
    private readonly Crc32? _crc32;
    private readonly Crc64Nvme? _crc64;
    private readonly IncrementalHash? _hash;
    private uint _crc32c = uint.MaxValue;

    public S3Checksum(string algorithm)
    {
        Algorithm = algorithm;
        switch (algorithm)
        {
            case S3ChecksumAlgorithms.Crc32: _crc32 = new Crc32(); break;
            case S3ChecksumAlgorithms.Crc32C: break;
            case S3ChecksumAlgorithms.Crc64Nvme: _crc64 = new Crc64Nvme(); break;
            case S3ChecksumAlgorithms.Sha1:
#pragma warning disable CA5350 // SHA-1 is what the client asked to be checked against, not a security choice.
                _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
#pragma warning restore CA5350
                break;
            case S3ChecksumAlgorithms.Sha256: _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256); break;
            default: throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown checksum algorithm.");
        }
    }

    public string Algorithm { get; }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_crc32 is not null)
        {
            _crc32.Append(data);
        }
        else if (_crc64 is not null)
        {
            _crc64.Append(data);
        }
        else if (_hash is not null)
        {
            _hash.AppendData(data);
        }
        else
        {
            _crc32c = Crc32C(_crc32c, data);
        }
    }

    /// <summary>The raw digest (big-endian for the CRCs, as S3 encodes them).</summary>
    public byte[] GetDigest()
    {
        if (_crc32 is not null)
        {
            var value = _crc32.GetCurrentHashAsUInt32();
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
            return bytes;
        }

        if (_crc64 is not null)
        {
            return _crc64.GetHash();
        }

        if (_hash is not null)
        {
            return _hash.GetCurrentHash();
        }

        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, ~_crc32c);
        return crc;
    }

    public string GetBase64() => Convert.ToBase64String(GetDigest());

    /// <summary>The checksum of <paramref name="data"/> in one call.</summary>
    public static byte[] Compute(string algorithm, ReadOnlySpan<byte> data)
    {
        using var checksum = new S3Checksum(algorithm);
        checksum.Append(data);
        return checksum.GetDigest();
    }

    public void Dispose() => _hash?.Dispose();

    /// <summary>CRC-32C (Castagnoli) with the processor's instruction where it has one.</summary>
    private static uint Crc32C(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
