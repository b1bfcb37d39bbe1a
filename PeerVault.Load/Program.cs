using PeerVault.Load;
using PeerVault.Load.Scale;

// Load and soak tool; see README ("Soak and crash test", "Performance").
if (args is ["scale", .. var scaleArgs])
{
    ScaleOptions scale;
    try
    {
        scale = ScaleOptions.Parse(scaleArgs);
    }
    catch (ArgumentException ex)
    {
        Console.Error.WriteLine(ex.Message);
        Console.Error.WriteLine(ScaleOptions.Usage);
        return 2;
    }

    return await ScaleRunner.RunAsync(scale);
}

if (args is not ["soak", .. var rest])
{
    Console.Error.WriteLine(SoakOptions.Usage);
    return 2;
}

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
