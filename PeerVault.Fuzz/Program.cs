// Harnesses are added here; see scripts/fuzz.sh.
Console.Error.WriteLine("usage: PeerVault.Fuzz <harness>");
return 2;
