using System.Security.Cryptography;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api.S3;

/// <summary>
/// An object's bytes on their way in from an S3 request: the MD5 (the ETag), and the checks S3
/// makes, computed in the same pass that feeds the store, never a second read. At the end of the
/// body (the read that returns 0) it verifies the length, <c>Content-MD5</c>, a hex
/// <c>x-amz-content-sha256</c> and the <c>x-amz-checksum-*</c> value given in a header or in the
/// aws-chunked trailer, and throws the S3 error if any differs: the store keeps nothing then.
/// </summary>
public sealed class S3PayloadStream : ReadOnlyStream
{
#pragma warning disable CA5351 // MD5 is S3's ETag and Content-MD5, an integrity check clients compare, not a security choice.
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
    private readonly Stream _source;
    private readonly long? _length;
    private readonly string? _contentMd5;
    private readonly IncrementalHash? _sha256;
    private readonly string? _expectedSha256;
    private readonly S3Checksum? _checksum;
    private readonly string? _expectedChecksum;
    private long _read;
    private bool _finished;

    /// <param name="source">The body (already decoded from aws-chunked when it was).</param>
    /// <param name="length">The decoded length announced, checked at the end.</param>
    /// <param name="contentMd5">A <c>Content-MD5</c> header (base64).</param>
    /// <param name="expectedSha256">A hex <c>x-amz-content-sha256</c>.</param>
    /// <param name="checksumAlgorithm">An S3 checksum algorithm to compute.</param>
    /// <param name="expectedChecksum">Its base64 value from a header, if one was sent (a trailer's comes from <see cref="Chunked"/>).</param>
    public S3PayloadStream(Stream source, long? length, string? contentMd5, string? expectedSha256, string? checksumAlgorithm, string? expectedChecksum)
    {
        _source = source;
        _length = length;
        _contentMd5 = contentMd5;
        if (expectedSha256 is not null)
        {
            _expectedSha256 = expectedSha256.ToLowerInvariant();
            _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }

        if (checksumAlgorithm is not null)
        {
            _checksum = new S3Checksum(checksumAlgorithm);
            _expectedChecksum = expectedChecksum;
        }
    }

    /// <summary>The aws-chunked decoder whose trailer may carry the expected checksum.</summary>
    public AwsChunkedStream? Chunked { get; init; }

    public long BytesRead => _read;

    /// <summary>Hex MD5 of everything read (complete once the body has ended).</summary>
    public string? ETag { get; private set; }

    /// <summary>The computed checksum (algorithm, base64), once the body has ended.</summary>
    public (string Algorithm, string Value)? Checksum { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_finished)
        {
            return 0;
        }

        var read = await _source.ReadAsync(buffer, cancellationToken);
        if (read > 0)
        {
            var span = buffer.Span[..read];
            _md5.AppendData(span);
            _sha256?.AppendData(span);
            _checksum?.Append(span);
            _read += read;
            if (_length is { } limit && _read > limit)
            {
                throw S3Errors.IncompleteBody();
            }

            return read;
        }

        Finish();
        return 0;
    }

    private void Finish()
    {
        _finished = true;
        if (_length is { } length && _read != length)
        {
            throw S3Errors.IncompleteBody();
        }

        var md5 = _md5.GetHashAndReset();
        if (_contentMd5 is not null && !string.Equals(Convert.ToBase64String(md5), _contentMd5.Trim(), StringComparison.Ordinal))
        {
            throw S3Errors.BadDigest();
        }

        if (_sha256 is not null && !string.Equals(Convert.ToHexStringLower(_sha256.GetHashAndReset()), _expectedSha256, StringComparison.Ordinal))
        {
            throw S3Errors.ContentSha256Mismatch();
        }

        if (_checksum is not null)
        {
            var value = _checksum.GetBase64();
            var expected = _expectedChecksum;
            if (expected is null && Chunked is not null)
            {
                Chunked.Trailers.TryGetValue(S3ChecksumAlgorithms.Header(_checksum.Algorithm), out expected);
            }

            if (expected is not null && !string.Equals(expected.Trim(), value, StringComparison.Ordinal))
            {
                throw S3Errors.BadDigest($"The {S3ChecksumAlgorithms.Display(_checksum.Algorithm)} you specified did not match the calculated checksum.");
            }

            Checksum = (_checksum.Algorithm, value);
        }

        ETag = Convert.ToHexStringLower(md5);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _md5.Dispose();
            _sha256?.Dispose();
            _checksum?.Dispose();
        }

        base.Dispose(disposing);
    }
}
