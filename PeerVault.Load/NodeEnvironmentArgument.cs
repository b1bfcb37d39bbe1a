namespace PeerVault.Load;

/// <summary>
/// <c>--node-env VAR=VALUE</c>, a setting for every node the tool starts, as every verb (soak,
/// bench, chaos) and the CLI's bench read it.
/// </summary>
public static class NodeEnvironmentArgument
{
    /// <summary>Adds one <c>VAR=VALUE</c> to <paramref name="environment"/> (a later one wins) and returns a copy to keep.</summary>
    public static Dictionary<string, string> Add(Dictionary<string, string> environment, string option, string text)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(text);
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new ArgumentException($"{option}: '{text}' is not VAR=VALUE.");
        }

        environment[text[..equals]] = text[(equals + 1)..];
        return new Dictionary<string, string>(environment, StringComparer.Ordinal);
    }
}
