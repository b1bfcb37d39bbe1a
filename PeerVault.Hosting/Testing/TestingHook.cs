namespace Aspire.Hosting;

/// <summary>
/// How a test runs the real AppHost's Program up to <c>Build()</c> and takes the builder from
/// there, as Aspire.Hosting.Testing does: the hook travels in an AsyncLocal into the entry point,
/// and <c>Build()</c> hands the builder over and unwinds the rest of Program with an exception.
/// </summary>
internal sealed class TestingHook(Action<DistributedApplicationOptions> configure)
{
    public static readonly AsyncLocal<TestingHook?> Current = new();

    private readonly TaskCompletionSource<DistributedApplicationBuilder> _captured = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _taken;

    public Task<DistributedApplicationBuilder> Captured => _captured.Task;

    public void Configure(DistributedApplicationOptions options)
    {
        options.IsTesting = true;
        options.DisableDashboard = true;
        configure(options);
    }

    /// <summary>True the first time (Program's own Build call); later calls build for real.</summary>
    public bool TryCapture(DistributedApplicationBuilder builder)
    {
        if (Interlocked.Exchange(ref _taken, 1) != 0)
        {
            return false;
        }

        _captured.TrySetResult(builder);
        return true;
    }

    public void Fail(Exception exception) => _captured.TrySetException(exception);

    internal sealed class BuilderCapturedException : Exception
    {
        public BuilderCapturedException()
            : base("The testing builder took over the AppHost's builder.")
        {
        }

        public BuilderCapturedException(string message)
            : base(message)
        {
        }

        public BuilderCapturedException(string message, Exception innerException)
            : base(message, innerException)
        {
        }
    }
}
