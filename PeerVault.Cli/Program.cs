// The peervault command-line client; see README.
Console.Error.WriteLine("usage: peervault <command>");
return 2;
