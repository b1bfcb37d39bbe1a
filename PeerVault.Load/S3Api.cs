using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace PeerVault.Load;

/// <summary>
/// The S3 endpoint as the bench drives it: path-style requests signed with a minimal AWS SigV4
/// signer (the payload is <c>UNSIGNED-PAYLOAD</c>, so the client hashes nothing and the S3 side is
/// measured, not an SDK's checksums), bodies streamed and hashed as they arrive.
/// </summary>
internal sealed class S3Api(string accessKey, string secretKey, string region = "us-east-1") : IDisposable
{
    private const int BufferSize = 64 << 10;
    private const string Unsigned = "UNSIGNED-PAYLOAD";

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30), ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = Timeout.InfiniteTimeSpan };

    public async Task<HttpStatusCode> CreateBucketAsync(Uri endpoint, string bucket, CancellationToken cancellationToken)
    {
        using var request = Signed(HttpMethod.Put, endpoint, $"/{bucket}");
        using var response = await _http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    public async Task<(HttpStatusCode Status, string? Problem)> PutAsync(Uri endpoint, string bucket, string key, Stream body, long length, CancellationToken cancellationToken)
    {
        using var content = new StreamContent(body, BufferSize);
        content.Headers.ContentLength = length;
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        using var request = Signed(HttpMethod.Put, endpoint, $"/{bucket}/{Encode(key)}", content);
        using var response = await _http.SendAsync(request, cancellationToken);
        return (response.StatusCode, response.IsSuccessStatusCode ? null : await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public async Task<NodeApi.ReadOutcome> ReadAsync(Uri endpoint, string bucket, string key, Action<int>? progress, CancellationToken cancellationToken)
    {
        using var request = Signed(HttpMethod.Get, endpoint, $"/{bucket}/{Encode(key)}");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new(response.StatusCode, null, 0, await response.Content.ReadAsStringAsync(cancellationToken), null);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long length = 0;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                length += read;
                progress?.Invoke(read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new(response.StatusCode, Convert.ToHexStringLower(hash.GetHashAndReset()), length, null, null);
    }

    public async Task<HttpStatusCode> DeleteAsync(Uri endpoint, string bucket, string key, CancellationToken cancellationToken)
    {
        using var request = Signed(HttpMethod.Delete, endpoint, $"/{bucket}/{Encode(key)}");
        using var response = await _http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    /// <summary>SigV4 in the Authorization header over host, x-amz-content-sha256 and x-amz-date.</summary>
    private HttpRequestMessage Signed(HttpMethod method, Uri endpoint, string path, HttpContent? content = null)
    {
        var now = DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var host = endpoint.IsDefaultPort ? endpoint.Host : $"{endpoint.Host}:{endpoint.Port}";
        var canonical = $"{method.Method}\n{path}\n\nhost:{host}\nx-amz-content-sha256:{Unsigned}\nx-amz-date:{amzDate}\n\nhost;x-amz-content-sha256;x-amz-date\n{Unsigned}";
        var scope = $"{date}/{region}/s3/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + secretKey), date), region), "s3"), "aws4_request");
        var signature = Convert.ToHexStringLower(Hmac(key, toSign));
        var request = new HttpRequestMessage(method, new Uri(endpoint, path)) { Content = content };
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", Unsigned);
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={accessKey}/{scope},SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature={signature}");
        return request;
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    /// <summary>Each path segment as SigV4 encodes it (unreserved characters kept, '/' kept).</summary>
    private static string Encode(string key) => string.Join('/', key.Split('/').Select(Uri.EscapeDataString));

    public void Dispose() => _http.Dispose();
}
