using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api.S3;

/// <summary>
/// Decodes an <c>aws-chunked</c> body: <c>hex-size[;chunk-signature=sig]\r\n data \r\n</c> … a
/// zero-size chunk, then (in the <c>…-TRAILER</c> modes) trailer lines such as
/// <c>x-amz-checksum-crc32:…</c> and, when signed, <c>x-amz-trailer-signature:…</c>. With a signing
/// context every chunk's signature is checked, chained from the request's seed signature, and so is
/// the trailer's. The data is passed on as it arrives and a chunk's signature is checked at its end:
/// a write keeps nothing until the body has been read to its end, so a bad chunk, a bad trailer
/// or a truncated body (thrown from the read that finds it) leaves nothing stored.
/// </summary>
public sealed class AwsChunkedStream : ReadOnlyStream
{
    private const int MaxLineLength = 4096;
    private const string SignatureExtension = "chunk-signature=";
    private const string TrailerSignatureName = "x-amz-trailer-signature";

    private readonly Stream _source;
    private readonly S3Auth? _signing;
    private readonly bool _trailer;
    private readonly long? _decodedLength;
    private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
    private readonly IncrementalHash? _chunkHash;
    private readonly Dictionary<string, string> _trailers = new(StringComparer.OrdinalIgnoreCase);
    private int _start;
    private int _end;
    private long _chunkRemaining;
    private bool _inChunk;
    private bool _done;
    private string? _chunkSignature;
    private string _previousSignature;
    private long _decoded;
    private bool _disposed;

    /// <param name="source">The raw request body.</param>
    /// <param name="signing">The request's signing context for <c>STREAMING-AWS4-HMAC-SHA256-*</c>; null for unsigned chunks.</param>
    /// <param name="trailer">Whether trailer lines follow the last chunk.</param>
    /// <param name="decodedLength"><c>x-amz-decoded-content-length</c>, checked at the end when given.</param>
    public AwsChunkedStream(Stream source, S3Auth? signing, bool trailer, long? decodedLength)
    {
        _source = source;
        _signing = signing;
        _trailer = trailer;
        _decodedLength = decodedLength;
        _previousSignature = signing?.Signature ?? string.Empty;
        _chunkHash = signing is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    }

    /// <summary>The trailer's headers (lower-case names), once the body has been read to its end.</summary>
    public IReadOnlyDictionary<string, string> Trailers => _trailers;

    /// <summary>Decoded bytes so far.</summary>
    public long DecodedLength => _decoded;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_done || buffer.Length == 0)
        {
            return 0;
        }

        while (_chunkRemaining == 0)
        {
            if (_inChunk)
            {
                await EndChunkAsync(cancellationToken);
            }

            var size = await BeginChunkAsync(cancellationToken);
            if (size == 0)
            {
                await FinishAsync(cancellationToken);
                return 0;
            }
        }

        var want = (int)Math.Min(buffer.Length, _chunkRemaining);
        int read;
        if (_end > _start)
        {
            read = Math.Min(want, _end - _start);
            _buffer.AsMemory(_start, read).CopyTo(buffer);
            _start += read;
        }
        else
        {
            // Nothing buffered: straight into the caller's buffer, no second copy.
            read = await _source.ReadAsync(buffer[..want], cancellationToken);
            if (read == 0)
            {
                throw S3Errors.IncompleteBody();
            }
        }

        _chunkHash?.AppendData(buffer.Span[..read]);
        _chunkRemaining -= read;
        _decoded += read;
        return read;
    }

    /// <summary>Reads a chunk header; returns its size (0: the last chunk).</summary>
    private async ValueTask<long> BeginChunkAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken) ?? throw S3Errors.IncompleteBody();
        var semicolon = line.IndexOf(';', StringComparison.Ordinal);
        var sizeText = (semicolon < 0 ? line : line[..semicolon]).Trim();
        if (sizeText.Length is 0 or > 16 || !long.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
        {
            throw Malformed("a chunk size is not hexadecimal");
        }

        _chunkSignature = null;
        if (_signing is not null)
        {
            var extension = semicolon < 0 ? string.Empty : line[(semicolon + 1)..].Trim();
            if (!extension.StartsWith(SignatureExtension, StringComparison.Ordinal))
            {
                throw Malformed("a chunk has no chunk-signature");
            }

            _chunkSignature = extension[SignatureExtension.Length..].Trim();
        }

        _chunkRemaining = size;
        _inChunk = true;
        if (size == 0)
        {
            // The last chunk's signature covers no data.
            VerifyChunk();
            _inChunk = false;
        }

        return size;
    }

    /// <summary>After a chunk's data: its CRLF, then its signature.</summary>
    private async ValueTask EndChunkAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken) ?? throw S3Errors.IncompleteBody();
        if (line.Length != 0)
        {
            throw Malformed("a chunk is longer than its size");
        }

        VerifyChunk();
        _inChunk = false;
    }

    private void VerifyChunk()
    {
        if (_signing is null || _chunkHash is null)
        {
            return;
        }

        var hash = Convert.ToHexStringLower(_chunkHash.GetHashAndReset());
        var expected = SigV4.Sign(_signing.SigningKey, SigV4.ChunkStringToSign(_signing.AmzDate, _signing.Scope, _previousSignature, hash));
        if (_chunkSignature is null || !SigV4.SignaturesEqual(expected, _chunkSignature))
        {
            throw S3Errors.SignatureDoesNotMatch();
        }

        _previousSignature = expected;
    }

    /// <summary>After the last chunk: the trailer (checked when signed) or the final CRLF, then the decoded length.</summary>
    private async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        if (_trailer)
        {
            var signed = new StringBuilder();
            string? trailerSignature = null;
            while (await ReadLineAsync(cancellationToken) is { } line && line.Length > 0)
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    throw Malformed("a trailer line has no name");
                }

                var name = line[..colon].Trim().ToLowerInvariant();
                var value = line[(colon + 1)..].Trim();
                if (name == TrailerSignatureName)
                {
                    trailerSignature = value;
                    continue;
                }

                _trailers[name] = value;
                signed.Append(name).Append(':').Append(value).Append('\n');
            }

            if (_signing is not null)
            {
                var hash = SigV4.Sha256Hex(signed.ToString());
                var expected = SigV4.Sign(_signing.SigningKey, SigV4.TrailerStringToSign(_signing.AmzDate, _signing.Scope, _previousSignature, hash));
                if (trailerSignature is null || !SigV4.SignaturesEqual(expected, trailerSignature))
                {
                    throw S3Errors.SignatureDoesNotMatch();
                }
            }
        }
        else if (await ReadLineAsync(cancellationToken) is { Length: > 0 })
        {
            throw Malformed("bytes follow the last chunk");
        }

        if (_decodedLength is { } announced && announced != _decoded)
        {
            throw S3Errors.IncompleteBody();
        }

        _done = true;
    }

    /// <summary>One line without its CRLF; null at the end of the body.</summary>
    private async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == '\r')
                {
                    length--;
                }

                var line = Encoding.ASCII.GetString(_buffer, _start, length);
                _start = newline + 1;
                return line;
            }

            if (_end - _start >= MaxLineLength)
            {
                throw Malformed("a chunk header is too long");
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            var read = await _source.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                if (_end == _start)
                {
                    return null;
                }

                // A last line without its CRLF.
                var rest = Encoding.ASCII.GetString(_buffer, _start, _end - _start);
                _start = _end;
                return rest;
            }

            _end += read;
        }
    }

    private static S3Exception Malformed(string what) => S3Errors.InvalidRequest($"The aws-chunked body is malformed: {what}.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _chunkHash?.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        base.Dispose(disposing);
    }
}
