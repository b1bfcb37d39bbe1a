using Spectre.Console;

namespace PeerVault.Cli.Output;

/// <summary>
/// A Spectre.Console progress bar on standard error for one transfer of a known size, shown only
/// when a person watches and the transfer is big enough to be worth one; otherwise the work just runs.
/// </summary>
internal static class TransferProgress
{
    /// <summary>Below this, a transfer is over before a bar would be readable.</summary>
    public const long Threshold = 4 * 1024 * 1024;

    public static async Task<T> RunAsync<T>(CliOutput output, string description, long? total, Func<Action<long>, Task<T>> transfer)
    {
        if (!output.Interactive || total is not { } size || size < Threshold)
        {
            return await transfer(_ => { });
        }

        return await output.Error.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: size);
                return await transfer(bytes => task.Increment(bytes));
            });
    }
}
