using System.Globalization;

namespace PeerVault.Benchmarks.Scale;

/// <summary>Options of <c>scale</c>: how many objects one node's index holds, and where.</summary>
internal sealed record ScaleOptions(int Objects, string Directory, bool Keep, string ResultPath, bool Reuse = false)
{
    public const string Usage = """
        usage: dotnet run -c Release --project PeerVault.Benchmarks -- scale [--objects N] [--dir PATH] [--keep] [--reuse] [--json FILE]
          Fills one node's key index with N entries (default 1,000,000), then measures: the
          index's own open time and listing rate in-process; the node process's time from start
          to healthy (cold start and after SIGKILL), its working set idle and while every key is
          listed through GET /v1/objects page by page, and the listing rate over HTTP.
          --reuse: with --dir, use the index a previous --keep run left there instead of filling
          again (implies --keep), so before/after runs of a change measure the same index.
        """;

    public static ScaleOptions Parse(IReadOnlyList<string> args)
    {
        var objects = 1_000_000;
        string? directory = null;
        var keep = false;
        var reuse = false;
        var result = "scale-result.json";
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--objects":
                    objects = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException("--objects takes a positive whole number.");
                    break;
                case "--dir":
                    directory = Path.GetFullPath(Value());
                    break;
                case "--keep":
                    keep = true;
                    break;
                case "--reuse":
                    reuse = keep = true;
                    break;
                case "--json":
                    result = Value();
                    break;
                default:
                    throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        if (reuse && directory is null)
        {
            throw new ArgumentException("--reuse needs --dir.");
        }

        return new ScaleOptions(objects, directory ?? Path.Combine(Path.GetTempPath(), $"peervault-scale-{Guid.NewGuid():N}"), keep, result, reuse);
    }
}
