using PeerVault.Load;

// Load and soak tool; see README ("Soak and crash test").
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
