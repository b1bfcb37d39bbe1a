using PeerVault.Fuzz.Harnesses;
using SharpFuzz;

// The fuzzing harnesses; scripts/fuzz.sh builds, instruments and runs them under afl-fuzz.
IHarness[] harnesses = [new FrameHarness(), new MessageHarness(), new HandshakeHarness(), new ObjectHeaderHarness()];

return args switch
{
    ["seeds", var directory] => WriteSeeds(directory),
    [var name, "--check", .. var paths] when Find(name) is { } harness => Check(harness, paths),
    [var name, "--libfuzzer"] when Find(name) is { } harness => RunLibFuzzer(harness),
    [var name] when Find(name) is { } harness => RunAfl(harness),
    _ => Usage(),
};

IHarness? Find(string name) => harnesses.FirstOrDefault(h => h.Name == name);

// Under afl-fuzz: SharpFuzz's fork server, the harness in a child process, so a stack overflow or
// an exit is a crash too. Not under afl-fuzz: runs the input on stdin once.
static int RunAfl(IHarness harness)
{
    Fuzzer.OutOfProcess.Run(stream => harness.Run(ReadAll(stream)));
    return 0;
}

// Under libFuzzer (libfuzzer-dotnet --target_path=... --target_arg=<harness> --target_arg=--libfuzzer).
static int RunLibFuzzer(IHarness harness)
{
    Fuzzer.LibFuzzer.Run(input => harness.Run(input));
    return 0;
}

// Replays inputs (files, or every file of a directory) in this process: how a crash is triaged.
static int Check(IHarness harness, string[] paths)
{
    var failures = 0;
    var files = paths.SelectMany<string, string>(p => Directory.Exists(p) ? Directory.GetFiles(p).Where(f => !f.EndsWith(".txt", StringComparison.Ordinal)).Order() : [p]);
    foreach (var file in files)
    {
        var input = File.ReadAllBytes(file);
        var run = Task.Run(() => harness.Run(input));
        try
        {
            if (!run.Wait(TimeSpan.FromSeconds(10)))
            {
                failures++;
                Console.WriteLine($"HANG  {file}");
                continue;
            }

            Console.WriteLine($"ok    {file}");
        }
        catch (AggregateException ex)
        {
            failures++;
            Console.WriteLine($"CRASH {file}: {ex.InnerException}");
        }
    }

    return failures == 0 ? 0 : 1;
}

// Seeds are real encodings made by the code under test; each must run clean.
int WriteSeeds(string directory)
{
    foreach (var harness in harnesses)
    {
        var folder = Path.Combine(directory, harness.Name);
        Directory.CreateDirectory(folder);
        foreach (var (name, bytes) in harness.Seeds())
        {
            harness.Run(bytes);
            File.WriteAllBytes(Path.Combine(folder, name), bytes);
        }

        Console.WriteLine($"{harness.Name}: {Directory.GetFiles(folder).Length} seeds in {folder}");
    }

    return 0;
}

int Usage()
{
    Console.Error.WriteLine("usage: PeerVault.Fuzz <harness>                    run under afl-fuzz (see scripts/fuzz.sh)");
    Console.Error.WriteLine("       PeerVault.Fuzz <harness> --libfuzzer        run under libFuzzer (libfuzzer-dotnet)");
    Console.Error.WriteLine("       PeerVault.Fuzz <harness> --check <path>...  replay inputs (files or directories) once");
    Console.Error.WriteLine("       PeerVault.Fuzz seeds <directory>            write the seed corpora");
    Console.Error.WriteLine("harnesses:");
    foreach (var harness in harnesses)
    {
        Console.Error.WriteLine($"  {harness.Name,-14} {harness.Description}");
    }

    return 2;
}

static byte[] ReadAll(Stream stream)
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    return buffer.ToArray();
}
