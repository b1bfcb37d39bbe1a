namespace PeerVault.Tests.Client;

/// <summary>
/// A fresh Aspire application outside the solution, written as a user would after
/// <c>dotnet add package</c>: an AppHost on Aspire.AppHost.Sdk referencing PeerVault.Hosting, and a
/// web service referencing PeerVault.Client, both from a local feed. The service stores and reads
/// an object through <c>AddPeerVaultClient</c> behind two endpoints of its own; with
/// <c>SAMPLE_SELF_TEST=1</c> it calls them once and exits 0 only if the bytes came back.
/// </summary>
internal static class PackagedSample
{
    public static void Write(string root, string feed, string version, string nodeProject)
    {
        Directory.CreateDirectory(Path.Combine(root, "SampleAppHost"));
        Directory.CreateDirectory(Path.Combine(root, "SampleService"));
        File.WriteAllText(Path.Combine(root, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="peervault-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(root, "SampleAppHost", "SampleAppHost.csproj"), $"""
            <Project Sdk="Aspire.AppHost.Sdk/13.6.4">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <UserSecretsId>peervault-sample-{version}</UserSecretsId>
                <AspireUseCliBundle>false</AspireUseCliBundle>
                <NoWarn>$(NoWarn);ASPIRE010</NoWarn>
                <WarningsNotAsErrors>$(WarningsNotAsErrors);NU1603</WarningsNotAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Aspire.Hosting.AppHost" Version="13.6.5" />
                <PackageReference Include="Polly.Core" Version="8.8.0" />
                <PackageReference Include="Nerdbank.MessagePack" Version="1.3.88" />
                <PackageReference Include="PeerVault.Hosting" Version="{version}" />
              </ItemGroup>
              <ItemGroup>
                <ProjectReference Include="{nodeProject}" />
                <ProjectReference Include="../SampleService/SampleService.csproj" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(root, "SampleAppHost", "AppHost.cs"), """
            using PeerVault.Hosting;

            var builder = DistributedApplication.CreateBuilder(args);
            var cluster = builder.AddPeerVaultCluster<Projects.PeerVault_Node>("vault", nodes: 3);
            builder.AddProject<Projects.SampleService>("sample")
                .WithHttpEndpoint(name: "http")
                .WithReference(cluster)
                .WaitFor(cluster)
                .WithEnvironment("SAMPLE_SELF_TEST", builder.Configuration["SAMPLE_SELF_TEST"] ?? "0")
                .WithOutputOnAppHostConsole();
            return await ExitAfter.FromCommandLine(builder).RunAsync(builder.Build());
            """);
        File.WriteAllText(Path.Combine(root, "SampleService", "SampleService.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="PeerVault.Client" Version="{version}" />
                <PackageReference Include="OpenTelemetry.Exporter.OpenTelemetryProtocol" Version="1.20.1" />
                <PackageReference Include="OpenTelemetry.Instrumentation.AspNetCore" Version="1.20.2" />
                <PackageReference Include="OpenTelemetry.Instrumentation.Http" Version="1.20.2" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(root, "SampleService", "Program.cs"), """
            using OpenTelemetry;
            using OpenTelemetry.Trace;
            using PeerVault.Client;

            var builder = WebApplication.CreateBuilder(args);
            // ConnectionStrings__vault comes from the AppHost's .WithReference(cluster).
            builder.AddPeerVaultClient("vault");
            if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            {
                builder.Services.AddOpenTelemetry()
                    .WithTracing(tracing => tracing.AddSource("SampleService").AddAspNetCoreInstrumentation().AddHttpClientInstrumentation())
                    .UseOtlpExporter();
            }

            var app = builder.Build();
            app.MapPut("/files/{**key}", async (string key, HttpRequest request, PeerVaultClient vault) =>
                Results.Ok(await vault.PutAsync(key, request.Body, request.ContentLength)));
            app.MapGet("/files/{**key}", async (string key, HttpContext context, PeerVaultClient vault) =>
            {
                await using var read = await vault.GetAsync(key);
                context.Response.ContentLength = read.Properties.ContentLength;
                await read.Content.CopyToAsync(context.Response.Body);
            });
            app.MapHealthChecks("/health");

            if (builder.Configuration["SAMPLE_SELF_TEST"] != "1")
            {
                app.Run();
                return 0;
            }

            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            var content = new byte[300_000];
            Random.Shared.NextBytes(content);
            using (var put = await http.PutAsync("/files/sample/hello.bin", new ByteArrayContent(content)))
            {
                Console.WriteLine($"PUT {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
            }

            var back = await http.GetByteArrayAsync("/files/sample/hello.bin");
            var ok = back.AsSpan().SequenceEqual(content);
            Console.WriteLine(ok ? $"round trip ok: {back.Length} bytes through PeerVault.Client" : $"round trip FAILED: {back.Length} bytes came back");
            await app.StopAsync();
            return ok ? 0 : 1;
            """);
    }
}
