using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting.Orchestration;

/// <summary>Resource output on the AppHost's console: <c>time name | line</c>, one colour per resource.</summary>
internal sealed class ConsoleOutput
{
    private static readonly ConsoleColor[] Palette = [ConsoleColor.Cyan, ConsoleColor.Green, ConsoleColor.Magenta, ConsoleColor.Yellow, ConsoleColor.Blue, ConsoleColor.DarkCyan];
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ConsoleColor> _colours = new(StringComparer.Ordinal);
    private readonly int _width;

    public ConsoleOutput(IEnumerable<string> resourceNames)
    {
        var names = resourceNames.ToList();
        _width = names.Count == 0 ? 8 : names.Max(n => n.Length);
        for (var i = 0; i < names.Count; i++)
        {
            _colours[names[i]] = Palette[i % Palette.Length];
        }
    }

    public void Write(string resource, LogLine line)
    {
        lock (_lock)
        {
            // One stream for whole lines: split across stdout and stderr, a redirected line falls apart.
            var previous = Console.ForegroundColor;
            Console.ForegroundColor = _colours.GetValueOrDefault(resource, ConsoleColor.Gray);
            Console.Out.Write($"{line.Timestamp.ToLocalTime():HH:mm:ss} {resource.PadRight(_width)} | ");
            Console.ForegroundColor = line.IsErrorMessage ? ConsoleColor.Red : previous;
            Console.Out.WriteLine(line.Text);
            Console.ForegroundColor = previous;
        }
    }

    /// <summary>A line from the orchestrator itself.</summary>
    public void Announce(string message)
    {
        lock (_lock)
        {
            Console.Out.WriteLine(message);
        }
    }
}
