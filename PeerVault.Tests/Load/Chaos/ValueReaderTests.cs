using PeerVault.Load.Chaos;

namespace PeerVault.Tests.Load.Chaos;

/// <summary>A chaos value is recognised from its body alone, and any change to the body is caught.</summary>
[Trait("Category", "Unit")]
public sealed class ValueReaderTests
{
    private static readonly CancellationToken Token = CancellationToken.None;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100_000)]
    public async Task A_value_is_read_back_as_the_write_that_made_it(long length)
    {
        var value = new WriteValue("run1", "p/k", "c3.17", length);

        var identified = await ValueReader.ReadAsync(value.OpenRead(), "run1", Token);

        Assert.Equal(new ValueReader.Identified("c3.17", null), identified);
        Assert.Equal(value.Length, Bytes(value).Length);
    }

    [Fact]
    public async Task A_changed_byte_a_cut_body_a_longer_body_and_another_run_s_value_are_no_write_s_content()
    {
        var value = new WriteValue("run1", "p/k", "c3.17", 5000);
        var bytes = Bytes(value);
        var flipped = (byte[])bytes.Clone();
        flipped[^100] ^= 1;

        Assert.Contains("differs", await Invalid(flipped, "run1"), StringComparison.Ordinal);
        Assert.Contains("bytes of content where", await Invalid(bytes[..^1], "run1"), StringComparison.Ordinal);
        Assert.Contains("longer than", await Invalid([.. bytes, 0], "run1"), StringComparison.Ordinal);
        Assert.Contains("of run run1", await Invalid(bytes, "run2"), StringComparison.Ordinal);
        Assert.Contains("no header line", await Invalid("no header here"u8.ToArray(), "run1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_header_of_one_write_with_the_content_of_another_is_caught()
    {
        var first = Bytes(new WriteValue("run1", "p/k", "c1.1", 64));
        var second = Bytes(new WriteValue("run1", "p/k", "c2.1", 64));
        var mixed = first[..^64].Concat(second[^64..]).ToArray();

        Assert.Contains("differs from what c1.1 wrote", await Invalid(mixed, "run1"), StringComparison.Ordinal);
    }

    private static async Task<string?> Invalid(byte[] body, string runId)
        => (await ValueReader.ReadAsync(new MemoryStream(body), runId, Token)).Invalid;

    private static byte[] Bytes(WriteValue value)
    {
        using var stream = value.OpenRead();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
