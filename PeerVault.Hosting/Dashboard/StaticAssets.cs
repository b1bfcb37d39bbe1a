using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Aspire.Hosting.Dashboard;

/// <summary>The UI's files, embedded in this assembly and served from memory: nothing comes from a CDN.</summary>
internal static class StaticAssets
{
    private static readonly Dictionary<string, (byte[] Content, string Type)> Files = Load();

    public static void MapStaticAssets(this IEndpointRouteBuilder app, string host)
    {
        foreach (var (name, (content, type)) in Files)
        {
            var path = name == "index.html" ? "/" : $"/{name}";
            app.MapGet(path, (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "no-cache";
                return Results.Bytes(content, type);
            }).RequireHost(host);
        }
    }

    public static string LoginPage(string? message)
    {
        var html = System.Text.Encoding.UTF8.GetString(Files["login.html"].Content);
        return html.Replace("<!--message-->", message is null ? string.Empty : $"<p class=\"error\" data-testid=\"login-error\">{System.Net.WebUtility.HtmlEncode(message)}</p>", StringComparison.Ordinal);
    }

    private static Dictionary<string, (byte[], string)> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource["wwwroot/".Length..];
            var type = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            files[name] = (copy.ToArray(), type);
        }

        return files;
    }
}
