namespace PeerVault.Cli;

/// <summary>
/// What the process exit code means; scripts branch on these, so they never change meaning.
/// Listed in <c>peervault --help</c> and the README.
/// </summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Anything else: a server error (500), a failed <c>doctor</c> check, a local I/O error.</summary>
    public const int Failure = 1;

    /// <summary>The command line, or a request the node refused as invalid (400 bad key, 413, 416).</summary>
    public const int BadUsage = 2;

    public const int NotFound = 3;

    /// <summary>No API key, a wrong one (401), or one without the scope the command needs (403).</summary>
    public const int Unauthorized = 4;

    /// <summary>No endpoint answered: refused, unresolvable, timed out.</summary>
    public const int Unreachable = 5;

    /// <summary>Fewer replicas than the write quorum acknowledged, or none could be reached (503).</summary>
    public const int Unavailable = 6;

    /// <summary>Every copy failed verification (502) or the node's disk is full (507).</summary>
    public const int Storage = 7;

    /// <summary>The lines the root command's help ends with.</summary>
    public const string Help = """
        Exit codes:
          0  ok
          1  failure (server error, a doctor check failed, local I/O error)
          2  bad usage (command line, invalid key 400, too large 413, bad range 416)
          3  not found (404)
          4  unauthorised or forbidden (401, 403): check --api-key / PEERVAULT_API_KEY
          5  unreachable: no endpoint answered
          6  quorum failure or unavailable (503): too few replicas acknowledged or reachable
          7  integrity or storage error (502 every copy failed verification, 507 disk full)
        """;
}
