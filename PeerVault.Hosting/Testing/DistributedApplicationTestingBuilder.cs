using System.Reflection;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aspire.Hosting.Testing;

/// <summary>An AppHost's builder in a test's hands: change the model if needed, then build and start it.</summary>
public interface IDistributedApplicationTestingBuilder : IDistributedApplicationBuilder
{
    Task<DistributedApplication> BuildAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Runs a real AppHost's Program (named by its generated <c>Projects.X</c> class) inside the test
/// process and returns its builder, with Aspire's testing defaults: ports chosen at random,
/// dashboard off, resource output not echoed to the console (add a logger to see it).
/// </summary>
public static class DistributedApplicationTestingBuilder
{
    public static Task<IDistributedApplicationTestingBuilder> CreateAsync<TEntryPoint>(CancellationToken cancellationToken = default)
        where TEntryPoint : class
        => CreateAsync<TEntryPoint>([], cancellationToken);

    public static Task<IDistributedApplicationTestingBuilder> CreateAsync<TEntryPoint>(string[] args, CancellationToken cancellationToken = default)
        where TEntryPoint : class
        => CreateAsync<TEntryPoint>(args, _ => { }, cancellationToken);

    /// <summary>As above; <paramref name="configure"/> may turn the dashboard on (<c>options.DisableDashboard = false</c>).</summary>
    public static async Task<IDistributedApplicationTestingBuilder> CreateAsync<TEntryPoint>(string[] args, Action<DistributedApplicationOptions> configure, CancellationToken cancellationToken = default)
        where TEntryPoint : class
    {
        var assembly = typeof(IProjectMetadata).IsAssignableFrom(typeof(TEntryPoint))
            ? Assembly.Load(Path.GetFileNameWithoutExtension(((IProjectMetadata)Activator.CreateInstance<TEntryPoint>()).ProjectPath))
            : typeof(TEntryPoint).Assembly;
        var entryPoint = assembly.EntryPoint ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no entry point.");
        var hook = new TestingHook(options =>
        {
            options.AppHostAssembly = assembly;
            configure(options);
        });

        _ = Task.Factory.StartNew(
            () =>
            {
                TestingHook.Current.Value = hook;
                try
                {
                    entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? [] : [args]);
                    hook.Fail(new InvalidOperationException($"{assembly.GetName().Name}'s Program returned without calling Build()."));
                }
                catch (TargetInvocationException ex) when (ex.InnerException is TestingHook.BuilderCapturedException)
                {
                    // Expected: Build() handed the builder to the test.
                }
                catch (Exception ex)
                {
                    hook.Fail(ex.InnerException ?? ex);
                }
            },
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        var builder = await hook.Captured.WaitAsync(TimeSpan.FromMinutes(1), cancellationToken);
        return new TestingBuilder(builder);
    }

    private sealed class TestingBuilder(DistributedApplicationBuilder inner) : IDistributedApplicationTestingBuilder
    {
        public ConfigurationManager Configuration => inner.Configuration;

        public IHostEnvironment Environment => inner.Environment;

        public IServiceCollection Services => inner.Services;

        public string AppHostDirectory => inner.AppHostDirectory;

        public DistributedApplicationExecutionContext ExecutionContext => inner.ExecutionContext;

        public IList<IResource> Resources => inner.Resources;

        public IResourceBuilder<T> AddResource<T>(T resource)
            where T : IResource
            => inner.AddResource(resource);

        public DistributedApplication Build() => inner.Build();

        public Task<DistributedApplication> BuildAsync(CancellationToken cancellationToken = default) => Task.FromResult(inner.Build());
    }
}
