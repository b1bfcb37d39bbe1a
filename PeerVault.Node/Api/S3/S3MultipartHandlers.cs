using System.Globalization;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using PeerVault.Node.Cluster;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api.S3;

/// <summary>
/// Multipart uploads. An upload is a record object (<c>.peervault-s3/uploads/{bucket}/{id}</c>:
/// its body the key, its metadata the object's headers) and each part an ordinary object
/// (<c>.peervault-s3/parts/{id}/{n}</c>), written through the coordinator and so replicated as it
/// arrives. Complete streams the parts in order, each read through the coordinator, into one
/// ordinary object through the coordinator's write (the length is known, so it is pipelined),
/// then removes the parts and the record: the completed object is like any other, and nothing
/// below this layer knows about parts. While it runs the client is kept waiting the way S3 does:
/// after a few seconds a 200 starts and whitespace follows until the result (or an error document).
/// </summary>
public sealed partial class S3MultipartHandlers(S3Store store, S3ObjectHandlers objects, IHostApplicationLifetime lifetime, ILogger<S3MultipartHandlers> logger)
{
    public const int MaxParts = 10_000;
    public const long MinPartSize = 5L << 20;

    /// <summary>How long Complete waits before it starts the 200 and keeps the connection alive with whitespace.</summary>
    public static readonly TimeSpan KeepAliveAfter = TimeSpan.FromSeconds(5);

    public async Task CreateAsync(S3Request request, S3Auth auth)
    {
        var bucket = request.Bucket!;
        var key = request.Key!;
        S3Store.ObjectKey(bucket, key);
        await store.RequireBucketAsync(bucket, request.Context.RequestAborted);
        var algorithm = request.Header("x-amz-checksum-algorithm") is { } named
            ? S3ChecksumAlgorithms.Normalize(named) ?? throw S3Errors.InvalidArgument($"Unknown checksum algorithm '{named}'.")
            : null;
        var headers = S3Headers.FromRequest(request.Http) with
        {
            // The algorithm every part is checksummed with, remembered until Complete.
            Checksums = algorithm is null ? null : new Dictionary<string, string>(StringComparer.Ordinal) { [algorithm] = string.Empty },
        };
        var uploadId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var body = Encoding.UTF8.GetBytes(key);
        await store.PutAsync(S3Store.UploadRecord(bucket, uploadId), new MemoryStream(body), body.Length, () => headers, request.Context.RequestAborted);
        if (algorithm is not null)
        {
            request.Context.Response.Headers["x-amz-checksum-algorithm"] = S3ChecksumAlgorithms.Display(algorithm);
        }

        await S3Xml.WriteAsync(request.Context, StatusCodes.Status200OK, "InitiateMultipartUploadResult", xml =>
        {
            xml.Element("Bucket", bucket);
            xml.Element("Key", key);
            xml.Element("UploadId", uploadId);
        });
    }

    public async Task UploadPartAsync(S3Request request, S3Auth auth)
    {
        var partNumber = PartNumber(request);
        var upload = await UploadAsync(request);
        var (body, length) = S3Body.Open(request, auth, upload.Algorithm);
        await using (body)
        {
            var receipt = await store.PutAsync(S3Store.PartKey(upload.Id, partNumber), body, length, () => S3ObjectHandlers.Finish(new ObjectMetadata(), body), request.Context.RequestAborted);
            S3ObjectHandlers.WriteReceiptHeaders(request.Context.Response, receipt.Metadata);
        }

        request.Context.Response.StatusCode = StatusCodes.Status200OK;
    }

    public async Task UploadPartCopyAsync(S3Request request)
    {
        var partNumber = PartNumber(request);
        var upload = await UploadAsync(request);
        var (sourceBucket, sourceKey) = S3ObjectHandlers.ParseCopySource(request);
        (long, long)? range = null;
        if (request.Header("x-amz-copy-source-range") is { } text)
        {
            var parts = text.StartsWith("bytes=", StringComparison.Ordinal) ? text[6..].Split('-') : [];
            if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first) || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var last) || last < first)
            {
                throw S3Errors.InvalidArgument("x-amz-copy-source-range must be bytes=first-last.");
            }

            range = (first, last - first + 1);
        }

        var checksums = upload.Algorithm is null ? null : new Dictionary<string, string>(StringComparer.Ordinal) { [upload.Algorithm] = string.Empty };
        var receipt = await objects.CopyAsync(request, sourceBucket, S3Store.ObjectKey(sourceBucket, sourceKey), S3Store.PartKey(upload.Id, partNumber), range, _ => new ObjectMetadata { Checksums = checksums }, parts: null);
        await S3Xml.WriteAsync(request.Context, StatusCodes.Status200OK, "CopyPartResult", xml =>
        {
            xml.Element("LastModified", S3Xml.Timestamp(receipt.Version.WallTime));
            xml.Element("ETag", S3Headers.Quote(receipt.Metadata?.ETag ?? string.Empty));
        });
    }

    public async Task ListPartsAsync(S3Request request, S3Auth auth)
    {
        var upload = await UploadAsync(request);
        var marker = request["part-number-marker"] is { } m && int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        var maxParts = request["max-parts"] is { } mp && int.TryParse(mp, NumberStyles.None, CultureInfo.InvariantCulture, out var max) ? Math.Clamp(max, 0, 1000) : 1000;
        var parts = (await PartsAsync(upload.Id, request.Context.RequestAborted)).Where(p => p.Number > marker).ToList();
        var truncated = parts.Count > maxParts;
        parts = [.. parts.Take(maxParts)];
        await S3Xml.WriteAsync(request.Context, StatusCodes.Status200OK, "ListPartsResult", xml =>
        {
            xml.Element("Bucket", request.Bucket);
            xml.Element("Key", upload.Key);
            xml.Element("UploadId", upload.Id);
            S3BucketHandlers.WriteOwner(xml, auth);
            xml.Element("StorageClass", "STANDARD");
            xml.Element("PartNumberMarker", marker);
            xml.Element("NextPartNumberMarker", parts.Count > 0 ? parts[^1].Number : marker);
            xml.Element("MaxParts", maxParts);
            xml.Element("IsTruncated", truncated);
            if (upload.Algorithm is not null)
            {
                xml.Element("ChecksumAlgorithm", S3ChecksumAlgorithms.Display(upload.Algorithm));
            }

            foreach (var part in parts)
            {
                xml.WriteStartElement("Part");
                xml.Element("PartNumber", part.Number);
                xml.Element("LastModified", S3Xml.Timestamp(part.Entry.UpdatedAt));
                xml.Element("ETag", S3Headers.Quote(S3Store.ETagOf(part.Entry)));
                xml.Element("Size", part.Entry.Size);
                foreach (var (algorithm, value) in part.Entry.Metadata?.Checksums ?? [])
                {
                    xml.Element("Checksum" + S3ChecksumAlgorithms.Display(algorithm), value);
                }

                xml.WriteEndElement();
            }
        });
    }

    public async Task ListUploadsAsync(S3Request request, S3Auth auth)
    {
        var bucket = request.Bucket!;
        await store.RequireBucketAsync(bucket, request.Context.RequestAborted);
        var prefix = request["prefix"] ?? string.Empty;
        var keyMarker = request["key-marker"];
        var idMarker = request["upload-id-marker"];
        var maxUploads = request["max-uploads"] is { } mu && int.TryParse(mu, NumberStyles.None, CultureInfo.InvariantCulture, out var max) ? Math.Clamp(max, 0, 1000) : 1000;
        var uploads = (await UploadsOfAsync(bucket, request.Context.RequestAborted))
            .Where(u => u.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Where(u => keyMarker is null || string.CompareOrdinal(u.Key, keyMarker) > 0 || (u.Key == keyMarker && idMarker is not null && string.CompareOrdinal(u.Id, idMarker) > 0))
            .OrderBy(u => u.Key, StringComparer.Ordinal).ThenBy(u => u.Id, StringComparer.Ordinal)
            .ToList();
        var truncated = uploads.Count > maxUploads;
        uploads = [.. uploads.Take(maxUploads)];
        await S3Xml.WriteAsync(request.Context, StatusCodes.Status200OK, "ListMultipartUploadsResult", xml =>
        {
            xml.Element("Bucket", bucket);
            xml.Element("KeyMarker", keyMarker ?? string.Empty);
            xml.Element("UploadIdMarker", idMarker ?? string.Empty);
            xml.Element("NextKeyMarker", uploads.Count > 0 ? uploads[^1].Key : string.Empty);
            xml.Element("NextUploadIdMarker", uploads.Count > 0 ? uploads[^1].Id : string.Empty);
            xml.Element("Prefix", prefix);
            xml.Element("MaxUploads", maxUploads);
            xml.Element("IsTruncated", truncated);
            foreach (var upload in uploads)
            {
                xml.WriteStartElement("Upload");
                xml.Element("Key", upload.Key);
                xml.Element("UploadId", upload.Id);
                S3BucketHandlers.WriteOwner(xml, auth);
                xml.WriteStartElement("Initiator");
                xml.Element("ID", auth.Credential.Name);
                xml.Element("DisplayName", auth.Credential.Name);
                xml.WriteEndElement();
                xml.Element("StorageClass", "STANDARD");
                xml.Element("Initiated", S3Xml.Timestamp(upload.Initiated));
                xml.WriteEndElement();
            }
        });
    }

    public async Task AbortAsync(S3Request request)
    {
        var upload = await UploadAsync(request);
        await AbortAsync(request.Bucket!, upload.Id, request.Context.RequestAborted);
        request.Context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>Every unfinished upload of a bucket (a bucket being deleted).</summary>
    public async Task AbortAllAsync(string bucket, CancellationToken cancellationToken)
    {
        foreach (var upload in await UploadsOfAsync(bucket, cancellationToken))
        {
            await AbortAsync(bucket, upload.Id, cancellationToken);
        }
    }

    /// <summary>Removes uploads started before <paramref name="before"/>, and parts whose upload is gone; returns how many uploads went.</summary>
    public async Task<int> SweepAsync(DateTimeOffset before, Func<string, bool> mine, CancellationToken cancellationToken)
    {
        var removed = 0;
        var live = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var record in store.ListAsync(S3Store.UploadsPrefix, cancellationToken))
        {
            var rest = record.Key[S3Store.UploadsPrefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var (bucket, id) = (rest[..slash], rest[(slash + 1)..]);
            if (record.UpdatedAt < before && mine(record.Key))
            {
                await AbortAsync(bucket, id, cancellationToken);
                removed++;
            }
            else
            {
                live.Add(id);
            }
        }

        // Parts left behind by a Complete or an Abort that stopped half-way.
        await foreach (var part in store.ListAsync(S3Store.PartsPrefix, cancellationToken))
        {
            var id = part.Key[S3Store.PartsPrefix.Length..].Split('/')[0];
            if (!live.Contains(id) && part.UpdatedAt < before && mine(part.Key))
            {
                await store.DeleteAsync(part.Key, cancellationToken);
            }
        }

        return removed;
    }

    private async Task AbortAsync(string bucket, string uploadId, CancellationToken cancellationToken)
    {
        await DeletePartsAsync(uploadId, cancellationToken);
        await store.DeleteAsync(S3Store.UploadRecord(bucket, uploadId), cancellationToken);
    }

    private async Task DeletePartsAsync(string uploadId, CancellationToken cancellationToken)
    {
        foreach (var part in await PartsAsync(uploadId, cancellationToken))
        {
            await store.DeleteAsync(part.Entry.Key, cancellationToken);
        }
    }

    public async Task CompleteAsync(S3Request request, S3Auth auth)
    {
        var token = request.Context.RequestAborted;
        var bucket = request.Bucket!;
        var upload = await UploadAsync(request);
        var storeKey = S3Store.ObjectKey(bucket, upload.Key);
        System.Xml.Linq.XElement document;
        var (raw, _) = S3Body.Open(request, auth);
        await using (raw)
        {
            document = await S3Xml.ReadAsync(request.Http, 4 << 20, raw, token);
        }

        var requested = new List<(int Number, string ETag)>();
        foreach (var part in document.Children("Part"))
        {
            if (!int.TryParse(part.Child("PartNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || part.Child("ETag") is not { } etag)
            {
                throw S3Errors.MalformedXml("every Part needs a PartNumber and an ETag");
            }

            if (requested.Count > 0 && number <= requested[^1].Number)
            {
                throw S3Errors.InvalidPartOrder();
            }

            requested.Add((number, S3Headers.Unquote(etag)));
        }

        if (requested.Count is 0 or > MaxParts)
        {
            throw S3Errors.MalformedXml($"a completion names 1 to {MaxParts} parts");
        }

        var stored = (await PartsAsync(upload.Id, token)).ToDictionary(p => p.Number);
        var parts = new List<IndexEntry>(requested.Count);
        foreach (var (number, etag) in requested)
        {
            if (!stored.TryGetValue(number, out var part) || !string.Equals(S3Store.ETagOf(part.Entry), etag, StringComparison.Ordinal))
            {
                throw S3Errors.InvalidPart();
            }

            parts.Add(part.Entry);
        }

        if (parts.Take(parts.Count - 1).Any(p => p.Size < MinPartSize))
        {
            throw S3Errors.EntityTooSmall();
        }

        var metadata = upload.Metadata with
        {
            ETag = S3ObjectHandlers.MultipartETag(parts.Select(S3Store.ETagOf)),
            Checksums = CompositeChecksum(upload.Algorithm, parts),
            Parts = parts.Count,
        };
        var total = parts.Sum(p => p.Size);

        var writing = ConcatenateAsync(storeKey, parts, total, metadata, token);
        var keptAlive = false;
        while (await Task.WhenAny(writing, Task.Delay(KeepAliveAfter, token)) != writing)
        {
            // Still writing: S3's way to keep the client's connection open is a 200 and whitespace.
            if (!keptAlive)
            {
                request.Context.Response.StatusCode = StatusCodes.Status200OK;
                request.Context.Response.ContentType = "application/xml";
                keptAlive = true;
            }

            await request.Context.Response.Body.WriteAsync(" "u8.ToArray(), token);
            await request.Context.Response.Body.FlushAsync(token);
        }

        WriteReceipt receipt;
        try
        {
            receipt = await writing;
        }
        catch (S3Exception ex) when (keptAlive)
        {
            // The status is out already: the error goes in the body, where SDKs look for it.
            await request.Context.Response.Body.WriteAsync(S3Server.ErrorDocument(ex, request, declaration: false), token);
            return;
        }

        // The upload is gone when Complete answers: a ListParts, UploadPart or Complete after it finds
        // no such upload; only the parts go in the background. (The record used to go with them, so
        // a ListParts right after a Complete could still list them.)
        try
        {
            await store.DeleteAsync(S3Store.UploadRecord(bucket, upload.Id), token);
        }
        catch (S3Exception ex) when (keptAlive)
        {
            // The 200 is out already and the object is written, so say so; the upload sweep
            // removes the record once it is older than the uploads' maximum age.
            LogCleanupFailed(upload.Id, parts.Count, ex.Message);
        }

        RemoveParts(upload.Id, parts);
        var result = S3Xml.Build("CompleteMultipartUploadResult", xml =>
        {
            xml.Element("Location", $"{request.Http.Scheme}://{request.Http.Host}/{bucket}/{SigV4.UriEncode(upload.Key, encodeSlash: false)}");
            xml.Element("Bucket", bucket);
            xml.Element("Key", upload.Key);
            xml.Element("ETag", S3Headers.Quote(metadata.ETag));
            foreach (var (algorithm, value) in metadata.Checksums ?? [])
            {
                xml.Element("Checksum" + S3ChecksumAlgorithms.Display(algorithm), value);
            }
        }, declaration: !keptAlive);
        if (!keptAlive)
        {
            request.Context.Response.StatusCode = StatusCodes.Status200OK;
            request.Context.Response.ContentType = "application/xml";
            request.Context.Response.ContentLength = result.Length;
            request.Context.Response.Headers.ETag = S3Headers.Quote(receipt.Metadata?.ETag ?? string.Empty);
        }

        await request.Context.Response.Body.WriteAsync(result, token);
    }

    /// <summary>The parts' bytes in order through a pipe into one write; each part read (and verified) through the coordinator.</summary>
    private async Task<WriteReceipt> ConcatenateAsync(string storeKey, List<IndexEntry> parts, long total, ObjectMetadata metadata, CancellationToken cancellationToken)
    {
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20));
        var feed = Task.Run(
            async () =>
            {
                try
                {
                    await using var output = pipe.Writer.AsStream(leaveOpen: true);
                    foreach (var part in parts)
                    {
                        var sink = new StreamObjectSink(output);
                        var outcome = await store.ReadAsync(part.Key, sink, reading.Token);
                        if (outcome.Status != ReadStatus.Served || sink.Entry?.Version != part.Version)
                        {
                            throw S3Errors.InvalidPart($"Part {part.Key} changed or disappeared while the upload was being completed.");
                        }
                    }

                    await pipe.Writer.CompleteAsync();
                }
                catch (Exception ex)
                {
                    await pipe.Writer.CompleteAsync(ex);
                }
            },
            CancellationToken.None);
        try
        {
            await using var body = pipe.Reader.AsStream();
            return await store.PutAsync(storeKey, body, total, () => metadata, cancellationToken);
        }
        finally
        {
            await reading.CancelAsync();
            await pipe.Reader.CompleteAsync();
            await feed.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>After a completion, whose record is already gone: the parts go, in the background (the sweep removes what a crash leaves).</summary>
    private void RemoveParts(string uploadId, List<IndexEntry> used)
    {
        var stopping = lifetime.ApplicationStopping;
        _ = Task.Run(
            async () =>
            {
                try
                {
                    await DeletePartsAsync(uploadId, stopping);
                }
                catch (Exception ex) when (ex is S3Exception or IOException or OperationCanceledException)
                {
                    LogCleanupFailed(uploadId, used.Count, ex.Message);
                }
            },
            CancellationToken.None);
    }

    /// <summary>S3's composite checksum: the algorithm over the parts' raw checksums, then <c>-N</c>.</summary>
    private static Dictionary<string, string>? CompositeChecksum(string? algorithm, List<IndexEntry> parts)
    {
        if (algorithm is null || parts.Any(p => p.Metadata?.Checksums?.ContainsKey(algorithm) != true))
        {
            return null;
        }

        var concatenated = parts.SelectMany(p => Convert.FromBase64String(p.Metadata!.Checksums![algorithm])).ToArray();
        return new Dictionary<string, string>(StringComparer.Ordinal) { [algorithm] = $"{Convert.ToBase64String(S3Checksum.Compute(algorithm, concatenated))}-{parts.Count}" };
    }

    private static int PartNumber(S3Request request)
        => int.TryParse(request["partNumber"], NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= MaxParts
            ? number
            : throw S3Errors.InvalidArgument($"Part number must be an integer between 1 and {MaxParts}, inclusive.");

    /// <summary>The upload a request names (its bucket, key and uploadId must all match), else NoSuchUpload.</summary>
    private async Task<Upload> UploadAsync(S3Request request)
    {
        var bucket = request.Bucket!;
        var id = request["uploadId"] ?? string.Empty;
        if (id.Length != 32 || !id.All(char.IsAsciiHexDigitLower) || !S3Store.IsValidBucketName(bucket))
        {
            throw S3Errors.NoSuchUpload(id);
        }

        var upload = await ReadUploadAsync(bucket, id, request.Context.RequestAborted);
        if (upload is null || upload.Key != request.Key)
        {
            throw S3Errors.NoSuchUpload(id);
        }

        return upload;
    }

    private async Task<Upload?> ReadUploadAsync(string bucket, string id, CancellationToken cancellationToken)
    {
        using var sink = new MemoryObjectSink();
        var outcome = await store.ReadAsync(S3Store.UploadRecord(bucket, id), sink, cancellationToken);
        if (outcome.Status != ReadStatus.Served || sink.Entry is not { } entry)
        {
            return null;
        }

        var metadata = entry.Metadata ?? new ObjectMetadata();
        var algorithm = metadata.Checksums?.Keys.FirstOrDefault();
        return new Upload(id, Encoding.UTF8.GetString(sink.Bytes), metadata with { Checksums = null }, algorithm, entry.UpdatedAt);
    }

    private async Task<List<Upload>> UploadsOfAsync(string bucket, CancellationToken cancellationToken)
    {
        var uploads = new List<Upload>();
        var prefix = $"{S3Store.UploadsPrefix}{bucket}/";
        await foreach (var record in store.ListAsync(prefix, cancellationToken))
        {
            if (await ReadUploadAsync(bucket, record.Key[prefix.Length..], cancellationToken) is { } upload)
            {
                uploads.Add(upload);
            }
        }

        return uploads;
    }

    private async Task<List<Part>> PartsAsync(string uploadId, CancellationToken cancellationToken)
    {
        var parts = new List<Part>();
        var prefix = $"{S3Store.PartsPrefix}{uploadId}/";
        await foreach (var entry in store.ListAsync(prefix, cancellationToken))
        {
            if (int.TryParse(entry.Key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                parts.Add(new Part(number, entry));
            }
        }

        return parts;
    }

    private sealed record Upload(string Id, string Key, ObjectMetadata Metadata, string? Algorithm, DateTimeOffset Initiated);

    private sealed record Part(int Number, IndexEntry Entry);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing the {Parts} part(s) of completed upload {UploadId} failed ({Error}); the upload sweep removes them later")]
    private partial void LogCleanupFailed(string uploadId, int parts, string error);
}
