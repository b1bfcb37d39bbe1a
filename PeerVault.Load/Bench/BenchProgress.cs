using Spectre.Console;

namespace PeerVault.Load.Bench;

/// <summary>
/// Where the run shows what it is doing: a Spectre.Console progress display (one bar per phase,
/// whose label becomes the phase's result and ratio when it ends), or nothing (<c>--json</c> on
/// standard output, tests).
/// </summary>
internal class BenchProgress
{
    public static readonly BenchProgress Silent = new();

    /// <summary>A bar for one phase; <paramref name="total"/> is in whatever unit the phase advances by (operations, bytes, steps).</summary>
    public virtual PhaseProgress Start(string name, double total) => new(null);

    /// <summary>A finished result, printed above the bars.</summary>
    public virtual void Report(string line)
    {
    }

    /// <summary>Runs <paramref name="body"/> under a live progress display on <paramref name="console"/>.</summary>
    public static Task<T> ShowAsync<T>(IAnsiConsole console, Func<BenchProgress, Task<T>> body)
        => console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(context => body(new Live(console, context)));

    private sealed class Live(IAnsiConsole console, ProgressContext context) : BenchProgress
    {
        public override PhaseProgress Start(string name, double total) => new(context.AddTask(Markup.Escape(name), maxValue: Math.Max(total, 1)));

        public override void Report(string line) => console.WriteLine(line);
    }
}

/// <summary>One phase's bar; disposing it fills the bar.</summary>
internal sealed class PhaseProgress(ProgressTask? task) : IDisposable
{
    public void Advance(double amount) => task?.Increment(amount);

    /// <summary>Replaces the bar's label (e.g. with the phase's result once it is known).</summary>
    public void Describe(string text)
    {
        if (task is not null)
        {
            task.Description = Markup.Escape(text);
        }
    }

    public void Dispose()
    {
        if (task is not null)
        {
            task.Value = task.MaxValue;
            task.StopTask();
        }
    }
}
