using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using PeerVault.Client;
using PeerVault.DemoClient;

// Settings ship beside the assembly; the working directory is wherever the user (or orchestrator) is.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();

// The console carries the result table and warnings; progress goes to the log (OTLP, the dashboard).
// Set in code: the orchestrator's LOGGING__CONSOLE__* variables replace the appsettings' Console section.
builder.Logging.AddFilter<ConsoleLoggerProvider>(null, LogLevel.Warning);
// Failures are the demo's FAIL lines on the console; the client's and the demo's own log records
// still reach OTLP (the dashboard) through the other providers.
builder.Logging.AddFilter<ConsoleLoggerProvider>(PeerVaultClient.ActivitySourceName, LogLevel.None);
builder.Logging.AddFilter<ConsoleLoggerProvider>(typeof(DemoRunner).FullName, LogLevel.None);

var options = DemoOptions.From(builder.Configuration, args);
// The cluster as the AppHost hands it over (.WithReference(cluster): ConnectionStrings__peervault),
// or, run by hand, the nodes service discovery names and PEERVAULT_API_KEY.
var fallback = options.FallbackConnectionString(builder.Configuration["PEERVAULT_API_KEY"]);
builder.AddPeerVaultClient(DemoOptions.ConnectionName, settings =>
{
    if (string.IsNullOrEmpty(settings.ConnectionString))
    {
        settings.ConnectionString = fallback;
    }
});
var configured = !string.IsNullOrEmpty(builder.Configuration.GetConnectionString(DemoOptions.ConnectionName)) || fallback is not null;

using var host = builder.Build();
await host.StartAsync();
var runner = new DemoRunner(configured ? host.Services.GetRequiredService<PeerVaultClient>() : null, options, Console.Out, host.Services.GetRequiredService<ILogger<DemoRunner>>());
var exitCode = await runner.RunAsync(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
await host.StopAsync();
return exitCode;
