using System.Text;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting;

/// <summary>
/// Writes, beside the CLI's <c>cli.json</c>, what S3 clients need to reach the cluster with nothing
/// copied by hand, once the nodes' ports are allocated and on every start (ports change): the
/// admin S3 pair and every node's S3 URL as <c>s3.env</c> (shell variables the AWS CLI and SDKs
/// read), an AWS CLI profile (<c>aws-config</c>, <c>aws-credentials</c>), an rclone remote
/// (<c>rclone.conf</c>) and an s3cmd configuration (<c>s3cfg</c>), each readable by the owner only.
/// </summary>
internal sealed class S3ConnectionFiles(string directory, IReadOnlyList<IResourceBuilder<ProjectResource>> nodes, ParameterResource accessKey, ParameterResource secretKey)
{
    public const string EnvFile = "s3.env";
    public const string AwsConfigFile = "aws-config";
    public const string AwsCredentialsFile = "aws-credentials";
    public const string RcloneFile = "rclone.conf";
    public const string S3cmdFile = "s3cfg";
    public const string Profile = "peervault";
    public const string Region = "us-east-1";

    private readonly Lock _writing = new();

    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        var access = await accessKey.GetValueAsync(cancellationToken);
        var secret = await secretKey.GetValueAsync(cancellationToken);
        lock (_writing)
        {
            var urls = nodes.Select(n => n.Resource.GetEndpoint("s3")).Where(e => e.IsAllocated).Select(e => e.Url).ToList();
            if (urls.Count == 0)
            {
                return;
            }

            var first = urls[0];
            var hostAndPort = new Uri(first).Authority;
            PrivateFile.WriteText(Path.Combine(directory, EnvFile), Lines(
                "# PeerVault's S3 endpoint: `set -a; . s3.env; set +a`, then `aws --endpoint-url \"$PEERVAULT_S3_URL\" s3 ls`.",
                $"AWS_ACCESS_KEY_ID={access}",
                $"AWS_SECRET_ACCESS_KEY={secret}",
                $"AWS_DEFAULT_REGION={Region}",
                $"AWS_REGION={Region}",
                $"AWS_ENDPOINT_URL={first}",
                $"PEERVAULT_S3_URL={first}",
                $"PEERVAULT_S3_URLS={string.Join(',', urls)}"));
            PrivateFile.WriteText(Path.Combine(directory, AwsConfigFile), Lines(
                $"[profile {Profile}]",
                $"region = {Region}",
                $"endpoint_url = {first}",
                "s3 =",
                "    addressing_style = path"));
            PrivateFile.WriteText(Path.Combine(directory, AwsCredentialsFile), Lines(
                $"[{Profile}]",
                $"aws_access_key_id = {access}",
                $"aws_secret_access_key = {secret}"));
            PrivateFile.WriteText(Path.Combine(directory, RcloneFile), Lines(
                $"[{Profile}]",
                "type = s3",
                "provider = Other",
                $"access_key_id = {access}",
                $"secret_access_key = {secret}",
                $"endpoint = {first}",
                $"region = {Region}",
                "force_path_style = true"));
            PrivateFile.WriteText(Path.Combine(directory, S3cmdFile), Lines(
                "[default]",
                $"access_key = {access}",
                $"secret_key = {secret}",
                $"host_base = {hostAndPort}",
                $"host_bucket = {hostAndPort}",
                $"bucket_location = {Region}",
                "use_https = False",
                "signature_v2 = False"));
        }
    }

    private static string Lines(params string[] lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }
}
