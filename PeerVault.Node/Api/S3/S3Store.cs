using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using PeerVault.Node.Cluster;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api.S3;

/// <summary>
/// Where S3's names meet PeerVault's keys, and the only way the S3 layer reaches the store: the
/// same <see cref="ObjectCoordinator"/> (one write path, one read path) and <see cref="ClusterListing"/>
/// as the native API. The mapping: object <c>key</c> of bucket <c>b</c> is PeerVault key
/// <c>b/key</c>; a bucket exists when its record <c>.peervault-s3/buckets/b</c> does (an empty
/// object, replicated like any other); multipart uploads and their parts live under
/// <c>.peervault-s3/uploads/</c> and <c>.peervault-s3/parts/</c> until completed. S3 bucket names
/// cannot start with a dot, so no bucket's objects fall under that prefix.
/// </summary>
public sealed class S3Store(ObjectCoordinator coordinator, ClusterListing listing, ApiOptions api, StorageHealth storage, TimeProvider time)
{
    public const string ReservedPrefix = ".peervault-s3/";
    public const string BucketsPrefix = ReservedPrefix + "buckets/";
    public const string UploadsPrefix = ReservedPrefix + "uploads/";
    public const string PartsPrefix = ReservedPrefix + "parts/";

    /// <summary>How long this node trusts that a bucket it saw exists (a PUT does not ask the cluster each time).</summary>
    public static readonly TimeSpan BucketCacheTime = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _knownBuckets = new(StringComparer.Ordinal);

    public ObjectCoordinator Coordinator => coordinator;

    public long MaxObjectBytes => api.MaxObjectBytes;

    /// <summary>S3's rule: 3 to 63 characters of a-z, 0-9, '.', '-', starting and ending with a letter or digit, no "..".</summary>
    public static bool IsValidBucketName(string? bucket)
        => bucket is { Length: >= 3 and <= 63 }
           && bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-')
           && char.IsAsciiLetterOrDigit(bucket[0]) && char.IsAsciiLetterOrDigit(bucket[^1])
           && !bucket.Contains("..", StringComparison.Ordinal);

    /// <summary>The PeerVault key of an object; PeerVault's key rule applies (NFC, no control or format characters).</summary>
    public static string ObjectKey(string bucket, string key)
    {
        var bytes = Encoding.UTF8.GetBytes(bucket + "/" + key);
        if (bytes.Length > Storage.ObjectKey.MaxBytes)
        {
            throw S3Errors.KeyTooLong(Storage.ObjectKey.MaxBytes);
        }

        if (!Storage.ObjectKey.TryDecode(bytes, out var storeKey, out var error))
        {
            throw S3Errors.InvalidArgument($"The key is refused by PeerVault's key rule: {error}");
        }

        return storeKey;
    }

    /// <summary>The S3 key of a PeerVault key in <paramref name="bucket"/>.</summary>
    public static string S3Key(string bucket, string storeKey) => storeKey[(bucket.Length + 1)..];

    public static string BucketRecord(string bucket) => BucketsPrefix + bucket;

    public static string UploadRecord(string bucket, string uploadId) => $"{UploadsPrefix}{bucket}/{uploadId}";

    public static string PartKey(string uploadId, int partNumber) => $"{PartsPrefix}{uploadId}/{partNumber:D5}";

    /// <summary>
    /// Whether the bucket exists. With <paramref name="cached"/> (the object write paths, which must
    /// not pay a quorum read per small PUT) a positive answer seen within <see cref="BucketCacheTime"/>
    /// is trusted; HeadBucket, listings and everything else ask the cluster.
    /// </summary>
    public async Task<bool> BucketExistsAsync(string bucket, CancellationToken cancellationToken, bool cached = false)
    {
        if (!IsValidBucketName(bucket))
        {
            return false;
        }

        if (cached && _knownBuckets.TryGetValue(bucket, out var until) && until > time.GetUtcNow())
        {
            return true;
        }

        var exists = await HeadAsync(BucketRecord(bucket), cancellationToken) is not null;
        if (exists)
        {
            KnowBucket(bucket);
        }

        return exists;
    }

    public async Task RequireBucketAsync(string bucket, CancellationToken cancellationToken, bool cached = false)
    {
        if (!await BucketExistsAsync(bucket, cancellationToken, cached))
        {
            throw S3Errors.NoSuchBucket(bucket);
        }
    }

    public void KnowBucket(string bucket) => _knownBuckets[bucket] = time.GetUtcNow() + BucketCacheTime;

    public void ForgetBucket(string bucket) => _knownBuckets.TryRemove(bucket, out _);

    /// <summary>The newest live entry of a key, or null if deleted or never written; S3 errors when the replicas cannot say.</summary>
    public async Task<IndexEntry?> HeadAsync(string storeKey, CancellationToken cancellationToken)
    {
        var outcome = await coordinator.HeadAsync(storeKey, verify: false, cancellationToken);
        return outcome.Status switch
        {
            ReadStatus.Served => outcome.Entry,
            ReadStatus.NotFound => null,
            ReadStatus.Unavailable => throw S3Errors.ServiceUnavailable($"Too few of the nodes placed to hold '{storeKey}' answered to know its newest version; try again."),
            _ => throw S3Errors.InternalError($"Every copy of '{storeKey}' this node could reach failed verification."),
        };
    }

    /// <summary>Reads a key into <paramref name="sink"/>; the outcome's status is Served or NotFound (errors are S3's).</summary>
    public async Task<ReadOutcome> ReadAsync(string storeKey, IObjectSink sink, CancellationToken cancellationToken)
    {
        var outcome = await coordinator.ReadAsync(storeKey, sink, cancellationToken);
        return outcome.Status switch
        {
            ReadStatus.Served or ReadStatus.NotFound => outcome,
            ReadStatus.Unavailable => throw S3Errors.ServiceUnavailable($"Too few of the nodes placed to hold '{storeKey}' answered to know its newest version; try again."),
            _ => throw S3Errors.InternalError($"Every copy of '{storeKey}' this node could reach failed verification."),
        };
    }

    /// <summary>Writes through the coordinator; anything short of the write quorum is S3's 503 (clients retry).</summary>
    public async Task<WriteReceipt> PutAsync(string storeKey, Stream body, long? length, Func<ObjectMetadata?>? metadata, CancellationToken cancellationToken)
    {
        if (length > api.MaxObjectBytes)
        {
            throw S3Errors.EntityTooLarge(api.MaxObjectBytes);
        }

        WriteReceipt receipt;
        try
        {
            receipt = await coordinator.PutAsync(storeKey, body, length, metadata, cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw S3Errors.EntityTooLarge(api.MaxObjectBytes);
        }
        catch (IOException ex) when (StorageFaults.IsDiskFull(ex))
        {
            throw new S3Exception(507, "InsufficientStorage", "The node's disk is full; nothing was stored.");
        }
        catch (Exception ex) when (StorageFaultAnswer.IsLocalStorageFault(ex, cancellationToken.IsCancellationRequested, storage))
        {
            throw S3Errors.ServiceUnavailable(storage.Problem ?? "The node's data directory cannot take writes right now; retry.");
        }

        if (!receipt.Durable)
        {
            throw S3Errors.ServiceUnavailable($"The write is durable on {receipt.Replicas.Count} of the {receipt.Required} replicas it needs ({string.Join(", ", receipt.Failures)}); retry.");
        }

        return receipt;
    }

    /// <summary>Writes a tombstone; true if any replica held the key.</summary>
    public async Task<bool> DeleteAsync(string storeKey, CancellationToken cancellationToken)
    {
        DeleteReceipt receipt;
        try
        {
            receipt = await coordinator.DeleteAsync(storeKey, cancellationToken);
        }
        catch (Exception ex) when (StorageFaultAnswer.IsLocalStorageFault(ex, cancellationToken.IsCancellationRequested, storage))
        {
            throw S3Errors.ServiceUnavailable(storage.Problem ?? "The node's data directory cannot take writes right now; retry.");
        }

        if (!receipt.Durable)
        {
            throw S3Errors.ServiceUnavailable($"The delete is durable on {receipt.Replicas.Count} of the {receipt.Required} replicas it needs ({string.Join(", ", receipt.Failures)}); retry.");
        }

        return receipt.Existed;
    }

    /// <summary>One page of live keys across the cluster (<see cref="ClusterListing"/>).</summary>
    public Task<ListingPage> PageAsync(string prefix, string? after, int limit, CancellationToken cancellationToken)
        => listing.ListAsync(prefix, after, limit, cancellationToken);

    /// <summary>Every live entry under a prefix, page by page.</summary>
    public async IAsyncEnumerable<IndexEntry> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? after = null;
        while (true)
        {
            var page = await listing.ListAsync(prefix, after, 1000, cancellationToken);
            foreach (var entry in page.Entries)
            {
                yield return entry;
            }

            // Next is where the merged page stopped, which may be past its last live key (tombstones).
            if (page.Next is null)
            {
                yield break;
            }

            after = page.Next;
        }
    }

    /// <summary>
    /// The S3 ETag of an entry: its MD5 ETag; an object written through the native API has none, and
    /// shows its object id with <c>-1</c>, the form S3 gives an ETag that is not an MD5 (a multipart
    /// upload's), so SDKs and sync tools do not check the content's MD5 against it.
    /// </summary>
    public static string ETagOf(IndexEntry entry) => entry.Metadata?.ETag ?? (entry.BlobId is { } blob ? blob + "-1" : string.Empty);
}
