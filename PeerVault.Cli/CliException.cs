namespace PeerVault.Cli;

/// <summary>
/// An expected failure: it ends the command with <see cref="ExitCode"/> and one line for people
/// (or an error object with <c>--json</c>), never a stack trace.
/// </summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string message, int? status = null, string? problemType = null)
        : base(message)
    {
        ExitCode = exitCode;
        Status = status;
        ProblemType = problemType;
    }

    public CliException()
    {
    }

    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int ExitCode { get; } = ExitCodes.Failure;

    /// <summary>The HTTP status the node answered with, if it answered.</summary>
    public int? Status { get; }

    /// <summary>The RFC 9457 problem <c>type</c> URI, if the node sent one.</summary>
    public string? ProblemType { get; }
}
