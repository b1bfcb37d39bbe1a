using PeerVault.Node.Storage;

namespace PeerVault.Node.Api.S3;

/// <summary>ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation and GetBucketVersioning.</summary>
public sealed class S3BucketHandlers(S3Store store, S3Options options)
{
    public async Task ListBucketsAsync(S3Request request, S3Auth auth)
    {
        var buckets = new List<IndexEntry>();
        await foreach (var entry in store.ListAsync(S3Store.BucketsPrefix, request.Context.RequestAborted))
        {
            buckets.Add(entry);
        }

        await S3Xml.WriteAsync(request.Context, StatusCodes.Status200OK, "ListAllMyBucketsResult", xml =>
        {
            WriteOwner(xml, auth);
            xml.WriteStartElement("Buckets");
            foreach (var entry in buckets)
            {
                xml.WriteStartElement("Bucket");
                xml.Element("Name", entry.Key[S3Store.BucketsPrefix.Length..]);
                xml.Element("CreationDate", S3Xml.Timestamp(entry.UpdatedAt));
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        });
    }

    internal static void WriteOwner(System.Xml.XmlWriter xml, S3Auth auth)
    {
        xml.WriteStartElement("Owner");
        xml.Element("ID", auth.Credential.Name);
        xml.Element("DisplayName", auth.Credential.Name);
        xml.WriteEndElement();
    }

    public async Task CreateBucketAsync(S3Request request)
    {
        var bucket = request.Bucket!;
        if (!S3Store.IsValidBucketName(bucket))
        {
            throw S3Errors.InvalidBucketName(bucket);
        }

        // A CreateBucketConfiguration may name a region: it must be this one.
        if (request.Http.ContentLength is > 0)
        {
            var document = await S3Xml.ReadAsync(request.Http, 64 * 1024, cancellationToken: request.Context.RequestAborted);
            if (document.Child("LocationConstraint") is { Length: > 0 } region && region != options.Region)
            {
                throw new S3Exception(400, "IllegalLocationConstraintException", $"The {region} location constraint is not this endpoint's region ({options.Region}).");
            }
        }

        if (await store.HeadAsync(S3Store.BucketRecord(bucket), request.Context.RequestAborted) is not null)
        {
            throw S3Errors.BucketAlreadyOwnedByYou(bucket);
        }

        await store.PutAsync(S3Store.BucketRecord(bucket), Stream.Null, 0, null, request.Context.RequestAborted);
        store.KnowBucket(bucket);
        request.Context.Response.Headers.Location = "/" + bucket;
        request.Context.Response.StatusCode = StatusCodes.Status200OK;
    }

    public async Task HeadBucketAsync(S3Request request)
    {
        await store.RequireBucketAsync(request.Bucket!, request.Context.RequestAborted);
        request.Context.Response.Headers["x-amz-bucket-region"] = options.Region;
        request.Context.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>Refused while any object is in the bucket; its unfinished multipart uploads go with it.</summary>
    public async Task DeleteBucketAsync(S3Request request, S3MultipartHandlers uploads)
    {
        var bucket = request.Bucket!;
        var token = request.Context.RequestAborted;
        if (await store.HeadAsync(S3Store.BucketRecord(bucket), token) is null)
        {
            throw S3Errors.NoSuchBucket(bucket);
        }

        var first = await store.PageAsync(bucket + "/", null, 1, token);
        if (first.Entries.Count > 0)
        {
            throw S3Errors.BucketNotEmpty(bucket);
        }

        await uploads.AbortAllAsync(bucket, token);
        store.ForgetBucket(bucket);
        await store.DeleteAsync(S3Store.BucketRecord(bucket), token);
        request.Context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public async Task GetBucketLocationAsync(S3Request request)
    {
        await store.RequireBucketAsync(request.Bucket!, request.Context.RequestAborted);

        // us-east-1 is written as an empty constraint, as S3 does.
        await S3Xml.WriteAsync(request.Context, StatusCodes.Status200OK, "LocationConstraint", xml =>
        {
            if (options.Region != S3Options.DefaultRegion)
            {
                xml.WriteString(options.Region);
            }
        });
    }

    /// <summary>Versioning is not built: every bucket reads as never versioned (an empty configuration).</summary>
    public async Task GetBucketVersioningAsync(S3Request request)
    {
        await store.RequireBucketAsync(request.Bucket!, request.Context.RequestAborted);
        await S3Xml.WriteAsync(request.Context, StatusCodes.Status200OK, "VersioningConfiguration", _ => { });
    }
}
