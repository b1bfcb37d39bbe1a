namespace PeerVault.Node.Api.S3;

/// <summary>
/// The S3 endpoint in the node's process: its own Kestrel listener on <c>S3_PORT</c>, beside the
/// HTTP API's, and a branch of the request pipeline for every request that arrived on it, ahead
/// of the API's authentication (S3 requests prove themselves with SigV4 instead).
/// </summary>
public static class S3Endpoint
{
    public static void AddS3(this WebApplicationBuilder builder, S3Options options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton<SigV4Verifier>();
        services.AddSingleton<S3Store>();
        services.AddSingleton<S3BucketHandlers>();
        services.AddSingleton<S3ObjectHandlers>();
        services.AddSingleton<S3ListHandlers>();
        services.AddSingleton<S3MultipartHandlers>();
        services.AddSingleton<S3Server>();
        if (options.Port is not { } port)
        {
            return;
        }

        services.AddHostedService<S3UploadSweeper>();
        builder.WebHost.UseUrls([.. ApiUrls(builder.Configuration, port), .. S3Urls(builder.Configuration, port)]);
    }

    /// <summary>Every request that came in on <c>S3_PORT</c> is S3's.</summary>
    public static void MapS3(this WebApplication app, S3Options options)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Port is { } port)
        {
            var server = app.Services.GetRequiredService<S3Server>();
            app.MapWhen(context => context.Connection.LocalPort == port, branch => branch.Run(server.HandleAsync));
        }
    }

    /// <summary>
    /// The API's addresses as configured (<c>ASPNETCORE_URLS</c>, else <c>HTTP_PORTS</c>, else
    /// Kestrel's default), without one on the S3 port (a publisher may list every HTTP port there).
    /// </summary>
    public static IReadOnlyList<string> ApiUrls(IConfiguration configuration, int s3Port)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var urls = configuration["urls"] is { Length: > 0 } configured
            ? configured.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : configuration["http_ports"] is { Length: > 0 } ports
                ? ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}").ToArray()
                : ["http://localhost:5000"];
        return [.. urls.Where(u => PortOf(u) != s3Port)];
    }

    /// <summary>The S3 listener on the API's hosts (a node whose API listens on localhost only does the same for S3).</summary>
    public static IReadOnlyList<string> S3Urls(IConfiguration configuration, int s3Port)
        => [.. ApiUrls(configuration, s3Port).Select(HostOf).Distinct(StringComparer.OrdinalIgnoreCase).Select(host => $"http://{host}:{s3Port}")];

    /// <summary>The port a listener URL names (<c>http://host:port</c>), if it names one.</summary>
    internal static int? PortOf(string url)
    {
        var colon = url.LastIndexOf(':');
        return colon > 0 && int.TryParse(url.AsSpan(colon + 1).TrimEnd('/'), out var port) ? port : null;
    }

    private static string HostOf(string url)
    {
        var start = url.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0 ? scheme + 3 : 0;
        var end = url.LastIndexOf(':');
        return end > start ? url[start..end] : url[start..].TrimEnd('/');
    }
}
