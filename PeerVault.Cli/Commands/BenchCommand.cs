using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using PeerVault.Cli.Api;
using PeerVault.Cli.Output;

namespace PeerVault.Cli.Commands;

/// <summary>
/// <c>peervault bench</c>: a first, small load test: N PUTs then N GETs of objects of one size at a
/// concurrency, with operations and megabytes per second and p50/p99 latency. It is the entry point
/// the full load tool (PeerVault.Load: mixes, soak, fault injection) grows behind.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(GlobalOptions global)
    {
        var count = new Option<int>("--count", "-n") { Description = "Objects to write, then read", DefaultValueFactory = _ => 100, HelpName = "n" };
        var size = new Option<string>("--size", "-s") { Description = "Bytes per object: 4096, 64KiB, 1MiB, …", DefaultValueFactory = _ => "64KiB", HelpName = "bytes" };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Requests in flight at once", DefaultValueFactory = _ => 4, HelpName = "n" };
        var prefix = new Option<string>("--prefix") { Description = "Key prefix of the objects written", DefaultValueFactory = _ => "bench/", HelpName = "prefix" };
        var keep = new Option<bool>("--keep") { Description = "Leave the objects in place (default: delete them afterwards)" };
        var command = new Command("bench", "Measure PUT and GET throughput and latency (a first version of the load tool)")
        {
            count,
            size,
            concurrency,
            prefix,
            keep,
        };
        foreach (var positive in new[] { count, concurrency })
        {
            positive.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int>() < 1)
                {
                    result.AddError($"{result.Option.Name} must be 1 or more.");
                }
            });
        }

        size.Validators.Add(result =>
        {
            if (!TryParseSize(result.GetValueOrDefault<string>() ?? string.Empty, out _))
            {
                result.AddError($"--size '{result.GetValueOrDefault<string>()}' is not a size (e.g. 4096, 64KiB, 1MiB).");
            }
        });
        command.SetAction((parse, cancellationToken) => global.RunAsync(new(parse, cancellationToken), async (output, client) =>
        {
            var bytes = TryParseSize(parse.GetRequiredValue(size), out var parsed) ? parsed : throw new CliException(ExitCodes.BadUsage, "--size is not a size.");
            var report = await RunAsync(client, parse.GetValue(count), bytes, parse.GetValue(concurrency), parse.GetRequiredValue(prefix), parse.GetValue(keep), cancellationToken);
            if (output.Json)
            {
                CliOutput.WriteJson(report, CliJsonContext.Default.BenchReport);
            }
            else
            {
                var table = CliOutput.Table("Phase", "Ops", "Seconds", "Ops/s", "MB/s", "p50 ms", "p99 ms");
                foreach (var (name, phase) in new[] { ("put", report.Put), ("get", report.Get) })
                {
                    CliOutput.AddRow(table, name, phase.Operations.ToString(CultureInfo.InvariantCulture), F(phase.Seconds), F(phase.OperationsPerSecond), F(phase.MegabytesPerSecond), F(phase.P50Milliseconds), F(phase.P99Milliseconds));
                }

                CliOutput.Line($"{report.Operations} object(s) of {CliOutput.Bytes(report.ObjectBytes)}, {report.Concurrency} in flight, through {client.Endpoints[0]}");
                output.Write(table);
                if (report.Errors > 0)
                {
                    CliOutput.Line($"{report.Errors} request(s) failed.");
                }
            }

            return report.Errors == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }));
        return command;
    }

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static bool TryParseSize(string text, out long bytes)
    {
        var units = new (string Suffix, long Factor)[] { ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("B", 1), (string.Empty, 1) };
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && long.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                && number > 0)
            {
                bytes = number * factor;
                return true;
            }
        }

        bytes = 0;
        return false;
    }

    private static async Task<BenchReport> RunAsync(PeerVaultClient client, int count, long size, int concurrency, string prefix, bool keep, CancellationToken cancellationToken)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var keys = Enumerable.Range(0, count).Select(i => $"{prefix}{run}/{i:D6}").ToList();
        var errors = 0;
        var put = await PhaseAsync(keys, concurrency, size, async key =>
        {
            var path = PeerVaultClient.ObjectPath("/v1/objects/", key);
            using var response = await client.SendAsync(
                e =>
                {
                    var content = new StreamContent(new PatternStream(size, key.GetHashCode(StringComparison.Ordinal)));
                    content.Headers.ContentLength = size;
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                    return new HttpRequestMessage(HttpMethod.Put, PeerVaultClient.Combine(e, path)) { Content = content };
                },
                "bench put",
                cancellationToken);
        }, () => Interlocked.Increment(ref errors), cancellationToken);
        var get = await PhaseAsync(keys, concurrency, size, async key =>
        {
            var path = PeerVaultClient.ObjectPath("/v1/objects/", key);
            using var response = await client.SendAsync(e => new HttpRequestMessage(HttpMethod.Get, PeerVaultClient.Combine(e, path)), "bench get", cancellationToken, HttpCompletionOption.ResponseHeadersRead);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await body.CopyToAsync(Stream.Null, cancellationToken);
        }, () => Interlocked.Increment(ref errors), cancellationToken);
        if (!keep)
        {
            await PhaseAsync(keys, concurrency, 0, async key =>
            {
                var path = PeerVaultClient.ObjectPath("/v1/objects/", key);
                using var response = await client.SendAsync(e => new HttpRequestMessage(HttpMethod.Delete, PeerVaultClient.Combine(e, path)), "bench rm", cancellationToken);
            }, () => { }, cancellationToken);
        }

        return new BenchReport(count, concurrency, size, put, get, errors);
    }

    private static async Task<BenchPhase> PhaseAsync(List<string> keys, int concurrency, long size, Func<string, Task> operation, Action failed, CancellationToken cancellationToken)
    {
        var latencies = new double[keys.Count];
        var succeeded = 0;
        var total = Stopwatch.StartNew();
        await Parallel.ForAsync(0, keys.Count, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (i, _) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await operation(keys[i]);
                Interlocked.Increment(ref succeeded);
            }
            catch (CliException)
            {
                failed();
            }

            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        });
        var seconds = total.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return new BenchPhase(
            succeeded,
            Math.Round(seconds, 3),
            Math.Round(succeeded / seconds, 1),
            Math.Round(succeeded * size / seconds / 1_000_000, 2),
            Math.Round(Percentile(latencies, 0.50), 2),
            Math.Round(Percentile(latencies, 0.99), 2));
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>Pseudo-random bytes of a given length, generated as read: a large object never sits in memory.</summary>
    private sealed class PatternStream(long length, int seed) : Stream
    {
        private readonly Random _random = new(seed);
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            _random.NextBytes(buffer[..n]);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
