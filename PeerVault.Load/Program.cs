using PeerVault.Load;
using PeerVault.Load.Bench;
using PeerVault.Load.Chaos;
using Spectre.Console;

// Load, soak and bench tool; see README ("Soak and crash test", "Performance").
switch (args)
{
    case ["soak", .. var rest]:
        SoakOptions options;
        try
        {
            options = SoakOptions.Parse(rest);
        }
        catch (Exception ex) when (ex is ArgumentException or UriFormatException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(SoakOptions.Usage);
            return 2;
        }

        return await SoakRunner.RunAsync(options);
    case ["bench", .. var rest]:
        return await BenchMain.RunAsync(rest, AnsiConsole.Console, Console.Error);
    case ["chaos", .. var rest]:
        return await ChaosMain.RunAsync(rest, Console.Out, Console.Error);
    default:
        Console.Error.WriteLine(SoakOptions.Usage);
        Console.Error.WriteLine(BenchOptions.Usage);
        Console.Error.WriteLine(ChaosOptions.Usage);
        return 2;
}
