using System.IO.Pipelines;
using System.Security.Cryptography;
using PeerVault.Node.Cluster;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api.S3;

/// <summary>PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects and CopyObject, translated to the store.</summary>
public sealed class S3ObjectHandlers(S3Store store)
{
    /// <summary>Most keys one DeleteObjects names (S3's limit).</summary>
    public const int MaxDeleteKeys = 1000;

    public async Task PutObjectAsync(S3Request request, S3Auth auth)
    {
        var bucket = request.Bucket!;
        var storeKey = S3Store.ObjectKey(bucket, request.Key!);
        await store.RequireBucketAsync(bucket, request.Context.RequestAborted, cached: true);
        var headers = S3Headers.FromRequest(request.Http);
        var (body, length) = S3Body.Open(request, auth);
        await using (body)
        {
            var receipt = await store.PutAsync(storeKey, body, length, () => Finish(headers, body), request.Context.RequestAborted);
            WriteReceiptHeaders(request.Context.Response, receipt.Metadata);
        }

        request.Context.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>The version's metadata: the request's headers, the MD5 ETag and the checksum computed as the bytes streamed.</summary>
    internal static ObjectMetadata Finish(ObjectMetadata headers, S3PayloadStream body, int? parts = null)
        => headers with
        {
            ETag = body.ETag,
            Checksums = body.Checksum is { } checksum ? new Dictionary<string, string>(StringComparer.Ordinal) { [checksum.Algorithm] = checksum.Value } : null,
            Parts = parts,
        };

    internal static void WriteReceiptHeaders(HttpResponse response, ObjectMetadata? metadata)
    {
        if (metadata?.ETag is { } etag)
        {
            response.Headers.ETag = S3Headers.Quote(etag);
        }

        foreach (var (algorithm, value) in metadata?.Checksums ?? [])
        {
            response.Headers[S3ChecksumAlgorithms.Header(algorithm)] = value;
        }
    }

    public async Task GetObjectAsync(S3Request request)
    {
        var bucket = request.Bucket!;
        var storeKey = S3Store.ObjectKey(bucket, request.Key!);
        var sink = new S3ObjectSink(request);
        ReadOutcome outcome;
        try
        {
            outcome = await store.ReadAsync(storeKey, sink, request.Context.RequestAborted);
        }
        catch (ObjectIntegrityException) when (request.Context.Response.HasStarted)
        {
            // Part of the body is out; cutting the connection is the only honest signal left.
            request.Context.Abort();
            return;
        }

        await AnswerAsync(request, sink, outcome.Status == ReadStatus.Served, bucket);
    }

    public async Task HeadObjectAsync(S3Request request)
    {
        var bucket = request.Bucket!;
        var storeKey = S3Store.ObjectKey(bucket, request.Key!);
        var sink = new S3ObjectSink(request);
        var entry = await store.HeadAsync(storeKey, request.Context.RequestAborted);
        if (entry is not null)
        {
            sink.Begin(entry, "local");
        }

        await AnswerAsync(request, sink, entry is not null, bucket);
    }

    private async Task AnswerAsync(S3Request request, S3ObjectSink sink, bool found, string bucket)
    {
        if (!found)
        {
            await store.RequireBucketAsync(bucket, request.Context.RequestAborted);
            throw S3Errors.NoSuchKey(request.Key!);
        }

        switch (sink.Verdict)
        {
            case S3ReadVerdict.NotModified:
                request.Context.Response.StatusCode = StatusCodes.Status304NotModified;
                request.Context.Response.ContentLength = null;
                break;
            case S3ReadVerdict.PreconditionFailed:
                throw S3Errors.PreconditionFailed();
            case S3ReadVerdict.InvalidRange:
                throw S3Errors.InvalidRange();
        }
    }

    public async Task DeleteObjectAsync(S3Request request)
    {
        var bucket = request.Bucket!;
        var storeKey = S3Store.ObjectKey(bucket, request.Key!);
        await store.RequireBucketAsync(bucket, request.Context.RequestAborted, cached: true);
        await store.DeleteAsync(storeKey, request.Context.RequestAborted);
        request.Context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public async Task DeleteObjectsAsync(S3Request request, S3Auth auth)
    {
        var bucket = request.Bucket!;
        await store.RequireBucketAsync(bucket, request.Context.RequestAborted, cached: true);
        var (body, _) = S3Body.Open(request, auth);
        System.Xml.Linq.XElement document;
        await using (body)
        {
            document = await S3Xml.ReadAsync(request.Http, 2 << 20, body, request.Context.RequestAborted);
        }

        var quiet = string.Equals(document.Child("Quiet"), "true", StringComparison.OrdinalIgnoreCase);
        var keys = document.Children("Object").Select(o => o.Child("Key")).ToList();
        if (keys.Count > MaxDeleteKeys || keys.Any(k => k is null))
        {
            throw S3Errors.MalformedXml($"a delete names 1 to {MaxDeleteKeys} objects, each with a Key");
        }

        var results = new (string Key, string? Code, string? Message)[keys.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, keys.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = request.Context.RequestAborted },
            async (i, token) =>
            {
                try
                {
                    await store.DeleteAsync(S3Store.ObjectKey(bucket, keys[i]!), token);
                    results[i] = (keys[i]!, null, null);
                }
                catch (S3Exception ex)
                {
                    results[i] = (keys[i]!, ex.Code, ex.Message);
                }
            });

        await S3Xml.WriteAsync(request.Context, StatusCodes.Status200OK, "DeleteResult", xml =>
        {
            foreach (var (key, code, message) in results)
            {
                if (code is null)
                {
                    if (!quiet)
                    {
                        xml.WriteStartElement("Deleted");
                        xml.Element("Key", key);
                        xml.WriteEndElement();
                    }
                }
                else
                {
                    xml.WriteStartElement("Error");
                    xml.Element("Key", key);
                    xml.Element("Code", code);
                    xml.Element("Message", message);
                    xml.WriteEndElement();
                }
            }
        });
    }

    public async Task CopyObjectAsync(S3Request request)
    {
        var bucket = request.Bucket!;
        var storeKey = S3Store.ObjectKey(bucket, request.Key!);
        await store.RequireBucketAsync(bucket, request.Context.RequestAborted);
        var (sourceBucket, sourceKey) = ParseCopySource(request);
        var sourceStoreKey = S3Store.ObjectKey(sourceBucket, sourceKey);
        var replace = string.Equals(request.Header("x-amz-metadata-directive"), "REPLACE", StringComparison.OrdinalIgnoreCase);
        if (sourceStoreKey == storeKey && !replace)
        {
            throw S3Errors.InvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
        }

        var replacement = replace ? S3Headers.FromRequest(request.Http) : null;
        var receipt = await CopyAsync(request, sourceBucket, sourceStoreKey, storeKey, range: null, source => replacement ?? source.Metadata ?? new ObjectMetadata(), parts: null);
        await S3Xml.WriteAsync(request.Context, StatusCodes.Status200OK, "CopyObjectResult", xml =>
        {
            xml.Element("LastModified", S3Xml.Timestamp(receipt.Version.WallTime));
            xml.Element("ETag", S3Headers.Quote(receipt.Metadata?.ETag ?? string.Empty));
        });
    }

    /// <summary>
    /// Streams a source object (or a range of it) into a new one, through the coordinator's read and
    /// write: the source is read into a pipe as the destination's write pulls from it, with the
    /// length known from the source's entry, so the write is pipelined and nothing is held whole.
    /// The copy's MD5 is computed on the way (a copy of a multipart object gets a plain MD5 ETag).
    /// </summary>
    internal async Task<WriteReceipt> CopyAsync(S3Request request, string sourceBucket, string sourceStoreKey, string destinationKey, (long Start, long Length)? range, Func<IndexEntry, ObjectMetadata> metadata, int? parts)
    {
        var token = request.Context.RequestAborted;
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(token);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20));
        var sink = new CopySink(pipe.Writer.AsStream(), range);
        var read = Task.Run(
            async () =>
            {
                try
                {
                    var outcome = await store.ReadAsync(sourceStoreKey, sink, reading.Token);
                    sink.Found(outcome.Status == ReadStatus.Served ? null : new InvalidOperationException("not found"));
                    await pipe.Writer.CompleteAsync();
                }
                catch (Exception ex)
                {
                    sink.Found(ex);
                    await pipe.Writer.CompleteAsync(ex);
                }
            },
            CancellationToken.None);

        var source = await sink.Entry;
        if (source is null)
        {
            await read;
            await store.RequireBucketAsync(sourceBucket, token);
            throw S3Errors.NoSuchKey(S3Store.S3Key(sourceBucket, sourceStoreKey));
        }

        var verdict = S3ObjectSink.Evaluate(request, source, "x-amz-copy-source-");
        if (verdict != S3ReadVerdict.Serve || sink.Unsatisfiable)
        {
            await reading.CancelAsync();
            await pipe.Reader.CompleteAsync();
            await read.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw sink.Unsatisfiable ? S3Errors.InvalidRange() : S3Errors.PreconditionFailed();
        }

        var described = metadata(source);
        await using var body = new S3PayloadStream(pipe.Reader.AsStream(), sink.Length, contentMd5: null, expectedSha256: null, checksumAlgorithm: described.Checksums?.Keys.FirstOrDefault(), expectedChecksum: null);
        try
        {
            return await store.PutAsync(destinationKey, body, sink.Length, () => Finish(described, body, parts), token);
        }
        finally
        {
            // A write that failed (or a client that left) stops the read too.
            await reading.CancelAsync();
            await pipe.Reader.CompleteAsync();
            await read.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>x-amz-copy-source: <c>/bucket/key</c> or <c>bucket/key</c>, URL-encoded, without a version.</summary>
    internal static (string Bucket, string Key) ParseCopySource(S3Request request)
    {
        var header = request.Header("x-amz-copy-source") ?? throw S3Errors.InvalidArgument("x-amz-copy-source is required.");
        var question = header.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            if (header[question..].Contains("versionId=", StringComparison.Ordinal) && !header.EndsWith("versionId=null", StringComparison.Ordinal))
            {
                throw S3Errors.NotImplemented("copying a version of an object (versioning is not built)");
            }

            header = header[..question];
        }

        var decoded = S3Request.PercentDecode(header.TrimStart('/'), plusIsSpace: false) ?? throw S3Errors.InvalidArgument("x-amz-copy-source has a malformed percent-escape.");
        var text = System.Text.Encoding.UTF8.GetString(decoded);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == text.Length - 1)
        {
            throw S3Errors.InvalidArgument("x-amz-copy-source must be bucket/key.");
        }

        return (text[..slash], text[(slash + 1)..]);
    }

    /// <summary>A read's destination when it feeds a copy: tells the copy the source's entry, then passes the bytes (or a range of them) into the pipe.</summary>
    private sealed class CopySink(Stream pipe, (long Start, long Length)? range) : IObjectSink
    {
        private readonly TaskCompletionSource<IndexEntry?> _entry = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IndexEntry?> Entry => _entry.Task;

        public long Length { get; private set; }

        public bool Unsatisfiable { get; private set; }

        public bool HasStarted { get; private set; }

        public void Found(Exception? failure)
        {
            if (failure is null)
            {
                return;
            }

            if (failure is InvalidOperationException)
            {
                _entry.TrySetResult(null);
            }
            else
            {
                _entry.TrySetException(failure);
            }
        }

        public void Reset() => HasStarted = false;

        public ObjectSinkTarget? Begin(IndexEntry entry, string servedBy)
        {
            HasStarted = true;
            if (range is { } part)
            {
                if (part.Start >= entry.Size || part.Start + part.Length > entry.Size)
                {
                    Unsatisfiable = true;
                    _entry.TrySetResult(entry);
                    return null;
                }

                Length = part.Length;
                _entry.TrySetResult(entry);
                return new ObjectSinkTarget(pipe, part.Start, part.Length, WholeObject: false);
            }

            Length = entry.Size;
            _entry.TrySetResult(entry);
            return new ObjectSinkTarget(pipe, 0, entry.Size, WholeObject: true);
        }
    }

    /// <summary>The ETag of a multipart object: MD5 of the parts' binary MD5s, then <c>-N</c>.</summary>
    internal static string MultipartETag(IEnumerable<string> partETags)
    {
        var concatenated = partETags.SelectMany(Convert.FromHexString).ToArray();
#pragma warning disable CA5351 // S3's multipart ETag is defined as MD5.
        return $"{Convert.ToHexStringLower(MD5.HashData(concatenated))}-{partETags.Count()}";
#pragma warning restore CA5351
    }
}
