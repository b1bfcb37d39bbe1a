using System.Security.Cryptography;

namespace PeerVault.Load.Bench;

/// <summary>
/// The small objects' bodies: 64 different patterns, generated and hashed once, so that a small
/// PUT costs the client no generation and a GET's check is one comparison; object <c>i</c> holds
/// pattern <c>i % 64</c>, so a node answering with another key's object is caught (unless both
/// share a pattern).
/// </summary>
internal sealed class SmallContent
{
    private const int Patterns = 64;
    private readonly byte[][] _bodies;
    private readonly string[] _sha256;

    public SmallContent(int size)
    {
        _bodies = new byte[Patterns][];
        _sha256 = new string[Patterns];
        for (var i = 0; i < Patterns; i++)
        {
            _bodies[i] = new byte[size];
            new ContentPattern((ulong)i + 1000, size).Fill(0, _bodies[i]);
            _sha256[i] = Convert.ToHexStringLower(SHA256.HashData(_bodies[i]));
        }
    }

    public int Size => _bodies[0].Length;

    public Stream Body(long index) => new MemoryStream(_bodies[index % Patterns], writable: false);

    public string Sha256(long index) => _sha256[index % Patterns];
}
