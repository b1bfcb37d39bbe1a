using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using PeerVault.DemoClient;

// Settings ship beside the assembly; the working directory is wherever the user (or orchestrator) is.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();

// The console carries the result table and warnings; progress goes to the log (OTLP, the dashboard).
// Set in code: the orchestrator's LOGGING__CONSOLE__* variables replace the appsettings' Console section.
builder.Logging.AddFilter<ConsoleLoggerProvider>(null, LogLevel.Warning);
// Retries, transport failures and the demo's own log are its FAIL lines on the console; their stack traces
// still reach OTLP (the dashboard) through the other providers.
builder.Logging.AddFilter<ConsoleLoggerProvider>("Polly", LogLevel.None);
builder.Logging.AddFilter<ConsoleLoggerProvider>("System.Net.Http.HttpClient", LogLevel.None);
builder.Logging.AddFilter<ConsoleLoggerProvider>(typeof(DemoRunner).FullName, LogLevel.None);

// A failed demo should say so in seconds, not after the standard handler's long back-off.
builder.Services.ConfigureAll<HttpStandardResilienceOptions>(resilience =>
{
    resilience.Retry.Delay = TimeSpan.FromMilliseconds(200);
    resilience.Retry.MaxRetryAttempts = 2;
    resilience.AttemptTimeout.Timeout = TimeSpan.FromSeconds(60);
    resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(120);
    resilience.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(3);
});
builder.Services.AddSingleton(DemoOptions.From(builder.Configuration, args));
builder.Services.AddSingleton(Console.Out);
builder.Services.AddSingleton<DemoRunner>();
// Every node call carries the API key the AppHost gives the demo (PEERVAULT_API_KEY).
var apiKey = builder.Configuration["PEERVAULT_API_KEY"];
builder.Services.AddHttpClient("peervault", http =>
{
    if (!string.IsNullOrEmpty(apiKey))
    {
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
    }
});

using var host = builder.Build();
await host.StartAsync();
var exitCode = await host.Services.GetRequiredService<DemoRunner>().RunAsync(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
await host.StopAsync();
return exitCode;
