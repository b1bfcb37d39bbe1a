using PeerVault.Node.Security;
using PeerVault.Node.Storage;

namespace PeerVault.Fuzz.Harnesses;

/// <summary>
/// The sealed object header (<see cref="SealedObjectHeader"/>) and the chunks behind it
/// (<see cref="ObjectCipher"/>), as a replica receives them from a peer or reads them from disk.
/// Input: a sealed object. Parsing, unwrapping and opening refuse only with
/// <see cref="ObjectIntegrityException"/> (a key mismatch is one); a parsed header reports exactly the
/// fields of its bytes; an object that opens also verifies, and opening a range of it gives exactly
/// that range of the whole.
/// </summary>
internal sealed class ObjectHeaderHarness : IHarness
{
    private static readonly KeyRing Keys = new(
        ClusterKey.Parse(new string('7', 64)),
        new EpochClock(FixedTime.Instance, EpochClock.DefaultLength),
        [ClusterKey.Parse(new string('3', 64))]);

    public string Name => "object-header";

    public string Description => "sealed object header and chunks (SealedObjectHeader, ObjectCipher): ObjectIntegrityException only, header fields = its bytes, open = verify, range = slice of the whole";

    public void Run(ReadOnlySpan<byte> input)
    {
        SealedObjectHeader header;
        try
        {
            header = SealedObjectHeader.Parse(input);
        }
        catch (ObjectIntegrityException)
        {
            return;
        }

        FuzzFinding.Check(header.Bytes.SequenceEqual(input[..SealedObjectHeader.Size]), "The parsed header is not the bytes it was parsed from.");
        FuzzFinding.Check(header.KeyId == Convert.ToHexStringLower(input.Slice(5, ClusterKey.KeyIdSize)), "The header names another key id than its bytes.");
        FuzzFinding.Check(header.ChunkSize is >= ObjectCipher.MinChunkSize and <= ObjectCipher.MaxChunkSize, $"The header declares chunks of {header.ChunkSize} bytes.");

        try
        {
            header.UnwrapDataKey(Keys);
        }
        catch (ObjectIntegrityException)
        {
            return;
        }

        var sealedBytes = input.ToArray();
        var cipher = new ObjectCipher(Keys);
        var whole = new MemoryStream();
        try
        {
            cipher.OpenAsync(new MemoryStream(sealedBytes), whole, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (ObjectIntegrityException)
        {
            return;
        }

        var plaintext = whole.ToArray();
        FuzzFinding.Check(cipher.VerifyAsync(new MemoryStream(sealedBytes), CancellationToken.None).GetAwaiter().GetResult() == plaintext.Length, "An object that opens does not verify to the same length.");
        var offset = plaintext.Length / 3;
        var count = plaintext.Length / 3;
        var range = new MemoryStream();
        cipher.OpenRangeAsync(new MemoryStream(sealedBytes), offset, count, range, CancellationToken.None).GetAwaiter().GetResult();
        FuzzFinding.Check(range.ToArray().AsSpan().SequenceEqual(plaintext.AsSpan(offset, count)), "A range of an object is not that slice of the whole.");
    }

    public IEnumerable<(string Name, byte[] Bytes)> Seeds()
    {
        var cipher = new ObjectCipher(Keys, ObjectCipher.MinChunkSize);
        foreach (var (name, size) in new[] { ("empty-object", 0), ("small-object", 100) })
        {
            var sealedOutput = new MemoryStream();
            var plaintext = Enumerable.Range(0, size).Select(i => (byte)i).ToArray();
            cipher.SealAsync(new MemoryStream(plaintext), sealedOutput, CancellationToken.None).GetAwaiter().GetResult();
            yield return (name, sealedOutput.ToArray());
        }
    }
}
