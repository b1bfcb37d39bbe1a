using System.Reflection;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Orchestration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.UserSecrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace Aspire.Hosting;

/// <summary>
/// Collects the app model. Configuration comes, in order, from the AppHost's appsettings.json,
/// its user secrets, environment variables and the command line (<c>--publisher</c>,
/// <c>--output-path</c>, <c>--exit-after</c>, <c>--Parameters:name=value</c> …).
/// </summary>
public sealed class DistributedApplicationBuilder : IDistributedApplicationBuilder
{
    private readonly List<IResource> _resources = [];

    internal DistributedApplicationBuilder(DistributedApplicationOptions options)
    {
        TestingHook.Current.Value?.Configure(options);
        Options = options;
        var assembly = options.AppHostAssembly ?? Assembly.GetEntryAssembly() ?? throw new InvalidOperationException("No AppHost assembly.");
        AppHostAssembly = assembly;
        AppHostDirectory = assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "AppHostProjectPath")?.Value
            ?? AppContext.BaseDirectory;

        Configuration = new ConfigurationManager();
        Configuration.AddJsonFile(Path.Combine(AppHostDirectory, "appsettings.json"), optional: true);
        Configuration.AddEnvironmentVariables();
        Configuration.AddCommandLine(options.Args);
        UserSecretsId = Configuration["AppHost:UserSecretsId"] ?? assembly.GetCustomAttribute<UserSecretsIdAttribute>()?.UserSecretsId;
        if (UserSecretsId is not null)
        {
            // User secrets sit below environment and command line, as in every .NET host.
            var secrets = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
            {
                Path = PathHelper.GetSecretsPathFromSecretsId(UserSecretsId),
                Optional = true,
            };
            secrets.ResolveFileProvider();
            Configuration.Sources.Insert(1, secrets);
        }

        Environment = new HostingEnvironment
        {
            EnvironmentName = Configuration["DOTNET_ENVIRONMENT"] ?? Environments.Development,
            ApplicationName = assembly.GetName().Name ?? "AppHost",
            ContentRootPath = AppHostDirectory,
            ContentRootFileProvider = new NullFileProvider(),
        };
        ExecutionContext = Configuration["publisher"] is { Length: > 0 } publisher
            ? new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish, publisher, Configuration["output-path"])
            : new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run, null, null);
        Services.AddLogging();
    }

    public ConfigurationManager Configuration { get; }

    public IHostEnvironment Environment { get; }

    public IServiceCollection Services { get; } = new ServiceCollection();

    public string AppHostDirectory { get; }

    public DistributedApplicationExecutionContext ExecutionContext { get; }

    public IList<IResource> Resources => _resources;

    internal DistributedApplicationOptions Options { get; }

    internal Assembly AppHostAssembly { get; }

    internal string? UserSecretsId { get; }

    public IResourceBuilder<T> AddResource<T>(T resource)
        where T : IResource
    {
        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"A resource named '{resource.Name}' already exists.");
        }

        _resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    public DistributedApplication Build()
    {
        if (TestingHook.Current.Value is { } hook && hook.TryCapture(this))
        {
            // The test takes over from here (it may change the model, then builds it itself).
            throw new TestingHook.BuilderCapturedException();
        }

        if (ExecutionContext.IsRunMode)
        {
            ResolveParameters();
        }

        return new DistributedApplication(this);
    }

    /// <summary>Configuration first; otherwise the generated default, persisted in user secrets when asked.</summary>
    private void ResolveParameters()
    {
        var store = UserSecretsId is null ? null : new UserSecretsStore(UserSecretsId);
        foreach (var parameter in _resources.OfType<ParameterResource>())
        {
            var configured = Configuration[$"Parameters:{parameter.Name}"] ?? Configuration[$"Parameters:{parameter.Name.Replace('-', '_')}"];
            if (configured is not null)
            {
                parameter.Value = configured;
                continue;
            }

            if (parameter.Default is null)
            {
                throw new InvalidOperationException($"Parameter '{parameter.Name}' has no value. Set it with: dotnet user-secrets set \"Parameters:{parameter.Name}\" <value> --project {AppHostDirectory}");
            }

            parameter.Value = parameter.Default.GetDefaultValue();
            if (parameter.Persist && store is not null)
            {
                store.Set($"Parameters:{parameter.Name}", parameter.Value);
            }
        }
    }
}
