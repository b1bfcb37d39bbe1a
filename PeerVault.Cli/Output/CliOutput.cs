using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace PeerVault.Cli.Output;

/// <summary>
/// Where a command's results and errors go. People get tables and one-line errors on standard
/// error; with <c>--json</c> standard output carries exactly one JSON document and an error is a
/// JSON object (<c>{"error": {...}}</c>) on standard error, so scripts can parse both.
/// </summary>
internal sealed class CliOutput
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public CliOutput(bool json)
    {
        Json = json;
        Out = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        Error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsOutputRedirected)
        {
            // Piped into a file or grep: no terminal width to fit, so do not wrap keys mid-word.
            Out.Profile.Width = 240;
        }
    }

    public bool Json { get; }

    public IAnsiConsole Out { get; }

    public IAnsiConsole Error { get; }

    /// <summary>Progress bars only where a person watches: a terminal, not <c>--json</c>.</summary>
    public bool Interactive => !Json && !Console.IsErrorRedirected && Error.Profile.Capabilities.Interactive;

    public static void WriteJson<T>(T value, JsonTypeInfo<T> type)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stdout, Indented))
        {
            JsonSerializer.Serialize(writer, value, type);
        }

        stdout.Write("\n"u8);
    }

    public static void Line(string text) => Console.Out.WriteLine(text);

    public void Write(IRenderable renderable) => Out.Write(renderable);

    public void Fail(CliException error)
    {
        if (Json)
        {
            using var stderr = Console.OpenStandardError();
            using (var writer = new Utf8JsonWriter(stderr, Indented))
            {
                JsonSerializer.Serialize(writer, new ErrorOutput(new ErrorDetail(error.ExitCode, ExitKind(error.ExitCode), error.Message, error.Status, error.ProblemType)), CliJsonContext.Default.ErrorOutput);
            }

            stderr.Write("\n"u8);
            return;
        }

        Console.Error.WriteLine($"peervault: {error.Message}");
    }

    public static string ExitKind(int code) => code switch
    {
        ExitCodes.Ok => "ok",
        ExitCodes.BadUsage => "bad-usage",
        ExitCodes.NotFound => "not-found",
        ExitCodes.Unauthorized => "unauthorized",
        ExitCodes.Unreachable => "unreachable",
        ExitCodes.Unavailable => "unavailable",
        ExitCodes.Storage => "storage",
        _ => "failure",
    };

    /// <summary>A table whose cells are plain text (keys may hold '[', which is markup to Spectre).</summary>
    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(new Text(column, new Style(decoration: Decoration.Bold))));
        }

        return table;
    }

    public static void AddRow(Table table, params string[] cells) => table.AddRow(cells.Select(c => (IRenderable)new Text(c)).ToArray());

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.##} GiB",
    };
}
