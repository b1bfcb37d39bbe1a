using System.Globalization;
using System.Text;
using PeerVault.Node.Api.S3;
using PeerVault.Node.Security;

namespace PeerVault.Tests.Api.S3;

/// <summary>
/// The aws-chunked decoder on the S3 guide's example upload (66,560 bytes of 'a' in chunks of 64 KiB
/// and 1 KiB, signed as published), and on the faults it must refuse: a chunk whose signature does
/// not match, a trailer checksum that does not match the bytes, a trailer with a bad signature, a
/// body that ends early. Each refusal is the read that finds it, so nothing downstream keeps the bytes.
/// </summary>
[Trait("Category", "Unit")]
public sealed class AwsChunkedStreamTests
{
    public const string SeedSignature = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

    private static readonly string[] ExampleChunkSignatures =
    [
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_guides_signed_example_decodes_to_its_66560_bytes()
    {
        var body = Chunked([65536, 1024], ExampleChunkSignatures);
        await using var stream = new AwsChunkedStream(new MemoryStream(body), ExampleAuth(), trailer: false, decodedLength: 66560);
        var decoded = await ReadAllAsync(stream);
        Assert.Equal(66560, decoded.Length);
        Assert.All(decoded, b => Assert.Equal((byte)'a', b));
    }

    [Fact]
    public async Task A_chunk_with_a_wrong_signature_is_SignatureDoesNotMatch()
    {
        var signatures = ExampleChunkSignatures.ToArray();
        signatures[1] = "1" + signatures[1][1..];
        await using var stream = new AwsChunkedStream(new MemoryStream(Chunked([65536, 1024], signatures)), ExampleAuth(), trailer: false, decodedLength: 66560);
        Assert.Equal("SignatureDoesNotMatch", (await Assert.ThrowsAsync<S3Exception>(() => ReadAllAsync(stream))).Code);
    }

    [Fact]
    public async Task A_changed_byte_in_a_chunk_is_SignatureDoesNotMatch()
    {
        var body = Chunked([65536, 1024], ExampleChunkSignatures);
        body[200] = (byte)'b';
        await using var stream = new AwsChunkedStream(new MemoryStream(body), ExampleAuth(), trailer: false, decodedLength: 66560);
        Assert.Equal("SignatureDoesNotMatch", (await Assert.ThrowsAsync<S3Exception>(() => ReadAllAsync(stream))).Code);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(65600)]
    [InlineData(66700)]
    public async Task A_body_cut_short_is_IncompleteBody(int keep)
    {
        var body = Chunked([65536, 1024], ExampleChunkSignatures)[..keep];
        await using var stream = new AwsChunkedStream(new MemoryStream(body), ExampleAuth(), trailer: false, decodedLength: 66560);
        Assert.Equal("IncompleteBody", (await Assert.ThrowsAsync<S3Exception>(() => ReadAllAsync(stream))).Code);
    }

    [Fact]
    public async Task An_unsigned_body_with_a_crc32_trailer_is_checked_against_the_bytes()
    {
        var data = Encoding.ASCII.GetBytes(new string('x', 70_000));
        var crc = Convert.ToBase64String(S3Checksum.Compute(S3ChecksumAlgorithms.Crc32, data));
        Assert.Equal(data, await DecodeWithTrailerAsync(data, crc, S3ChecksumAlgorithms.Crc32));

        var wrong = Convert.ToBase64String(S3Checksum.Compute(S3ChecksumAlgorithms.Crc32, data.AsSpan()[1..]));
        Assert.Equal("BadDigest", (await Assert.ThrowsAsync<S3Exception>(() => DecodeWithTrailerAsync(data, wrong, S3ChecksumAlgorithms.Crc32))).Code);
    }

    [Theory]
    [InlineData("crc32c")]
    [InlineData("crc64nvme")]
    [InlineData("sha1")]
    [InlineData("sha256")]
    public async Task Every_checksum_algorithm_is_verified_from_the_trailer(string algorithm)
    {
        var data = Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog, many times. " + new string('q', 9000));
        var value = Convert.ToBase64String(S3Checksum.Compute(algorithm, data));
        Assert.Equal(data, await DecodeWithTrailerAsync(data, value, algorithm));
        var other = Convert.ToBase64String(S3Checksum.Compute(algorithm, data.Reverse().ToArray()));
        await Assert.ThrowsAsync<S3Exception>(() => DecodeWithTrailerAsync(data, other, algorithm));
    }

    [Fact]
    public void The_checksums_match_their_published_check_values()
    {
        // Each CRC's "check" value: the checksum of the nine ASCII bytes "123456789".
        var check = "123456789"u8.ToArray();
        Assert.Equal("cbf43926", Convert.ToHexStringLower(S3Checksum.Compute(S3ChecksumAlgorithms.Crc32, check)));
        Assert.Equal("e3069283", Convert.ToHexStringLower(S3Checksum.Compute(S3ChecksumAlgorithms.Crc32C, check)));
        Assert.Equal("ae8b14860a799888", Convert.ToHexStringLower(S3Checksum.Compute(S3ChecksumAlgorithms.Crc64Nvme, check)));
    }

    [Fact]
    public async Task A_signed_trailer_is_checked_and_a_forged_one_refused()
    {
        var auth = ExampleAuth();
        var data = Encoding.ASCII.GetBytes(new string('s', 5000));
        var crc = Convert.ToBase64String(S3Checksum.Compute(S3ChecksumAlgorithms.Crc32C, data));
        var chunk = SigV4.Sign(auth.SigningKey, SigV4.ChunkStringToSign(auth.AmzDate, auth.Scope, auth.Signature, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data))));
        var last = SigV4.Sign(auth.SigningKey, SigV4.ChunkStringToSign(auth.AmzDate, auth.Scope, chunk, SigV4.EmptySha256));
        var trailer = SigV4.Sign(auth.SigningKey, SigV4.TrailerStringToSign(auth.AmzDate, auth.Scope, last, SigV4.Sha256Hex($"x-amz-checksum-crc32c:{crc}\n")));

        byte[] Body(string trailerSignature)
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"{data.Length:x};chunk-signature={chunk}\r\n").Append(Encoding.ASCII.GetString(data)).Append("\r\n");
            text.Append(CultureInfo.InvariantCulture, $"0;chunk-signature={last}\r\n").Append(CultureInfo.InvariantCulture, $"x-amz-checksum-crc32c:{crc}\r\n").Append(CultureInfo.InvariantCulture, $"x-amz-trailer-signature:{trailerSignature}\r\n\r\n");
            return Encoding.ASCII.GetBytes(text.ToString());
        }

        await using (var good = new AwsChunkedStream(new MemoryStream(Body(trailer)), auth, trailer: true, decodedLength: data.Length))
        {
            Assert.Equal(data, await ReadAllAsync(good));
            Assert.Equal(crc, good.Trailers["x-amz-checksum-crc32c"]);
        }

        await using var forged = new AwsChunkedStream(new MemoryStream(Body("2" + trailer[1..])), auth, trailer: true, decodedLength: data.Length);
        Assert.Equal("SignatureDoesNotMatch", (await Assert.ThrowsAsync<S3Exception>(() => ReadAllAsync(forged))).Code);
    }

    private static async Task<byte[]> DecodeWithTrailerAsync(byte[] data, string checksum, string algorithm)
    {
        var text = new StringBuilder();
        for (var offset = 0; offset < data.Length; offset += 65536)
        {
            var length = Math.Min(65536, data.Length - offset);
            text.Append(CultureInfo.InvariantCulture, $"{length:x}\r\n").Append(Encoding.ASCII.GetString(data, offset, length)).Append("\r\n");
        }

        text.Append("0\r\n").Append(CultureInfo.InvariantCulture, $"x-amz-checksum-{algorithm}:{checksum}\r\n\r\n");
        var chunked = new AwsChunkedStream(new MemoryStream(Encoding.ASCII.GetBytes(text.ToString())), signing: null, trailer: true, decodedLength: data.Length);
        await using var payload = new S3PayloadStream(chunked, data.Length, contentMd5: null, expectedSha256: null, algorithm, expectedChecksum: null) { Chunked = chunked };
        return await ReadAllAsync(payload);
    }

    internal static S3Auth ExampleAuth()
        => new(
            new S3Credential("example", SigV4Tests.ExampleAccessKey, SigV4Tests.ExampleSecret, new HashSet<string> { ApiScopes.Write }),
            SigV4.StreamingSigned,
            SigV4.SigningKey(SigV4Tests.ExampleSecret, "20130524", "us-east-1"),
            "20130524T000000Z",
            SigV4.Scope("20130524", "us-east-1"),
            SeedSignature);

    /// <summary>The guide's body: each chunk of 'a' with its signature, then the empty last chunk with its own.</summary>
    private static byte[] Chunked(int[] sizes, string[] signatures)
    {
        var text = new StringBuilder();
        for (var i = 0; i < sizes.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{sizes[i]:x};chunk-signature={signatures[i]}\r\n").Append('a', sizes[i]).Append("\r\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"0;chunk-signature={signatures[^1]}\r\n\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var output = new MemoryStream();
        var buffer = new byte[7919];
        int read;
        while ((read = await stream.ReadAsync(buffer, Ct)) > 0)
        {
            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }
}
