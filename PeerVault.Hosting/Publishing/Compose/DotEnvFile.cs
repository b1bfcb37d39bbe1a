using System.Text;

namespace PeerVault.Hosting.Publishing.Compose;

/// <summary>
/// The <c>.env</c> beside <c>docker-compose.yaml</c>, which compose reads the <c>${NAME}</c> values
/// from: every variable, empty, under a comment saying what it is and how to make one. A value is
/// never written. Publishing again into a folder whose <c>.env</c> was filled in keeps every line
/// of it and only appends the variables it lacks, so a redeploy does not wipe the operator's keys.
/// </summary>
internal static class DotEnvFile
{
    public const string FileName = ".env";

    public static async Task WriteAsync(string directory, IReadOnlyList<RequiredVariable> variables, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, FileName);
        var existing = File.Exists(path) ? await File.ReadAllLinesAsync(path, cancellationToken) : null;
        var text = new StringBuilder();
        if (existing is null)
        {
            text.Append("# Values for the ${NAME} variables in docker-compose.yaml. Fill in every one before\n")
                .Append("# `docker compose up` (variables set in the shell take precedence); compose refuses to\n")
                .Append("# start while one is empty. Once it holds secrets, keep this file out of version control.\n");
        }

        foreach (var variable in variables.Where(v => existing?.Any(line => line.TrimStart().StartsWith(v.Name + "=", StringComparison.Ordinal)) != true))
        {
            text.Append('\n')
                .Append("# ").Append(variable.Description).Append(variable.IsSecret ? " (secret)" : string.Empty).Append('\n')
                .Append("# Generate one with: ").Append(variable.HowToGenerate).Append('\n')
                .Append(variable.Name).Append("=\n");
        }

        await File.AppendAllTextAsync(path, text.ToString(), cancellationToken);
    }
}
