// Load and soak tool; see README.
Console.Error.WriteLine("usage: PeerVault.Load <command>");
return 2;
