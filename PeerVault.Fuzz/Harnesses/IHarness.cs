namespace PeerVault.Fuzz.Harnesses;

/// <summary>
/// One fuzz target. <see cref="Run"/> must return normally for every input the code under test
/// refuses the way it is meant to (its own exception types); anything else escapes and is a crash:
/// an unexpected exception type, or a <see cref="FuzzFinding"/> for a broken invariant.
/// </summary>
internal interface IHarness
{
    string Name { get; }

    /// <summary>What the harness feeds the code and what it checks (for the usage text).</summary>
    string Description { get; }

    void Run(ReadOnlySpan<byte> input);

    /// <summary>Real encoded inputs to start the corpus from.</summary>
    IEnumerable<(string Name, byte[] Bytes)> Seeds();
}

/// <summary>An invariant the harness checks did not hold.</summary>
internal sealed class FuzzFinding(string message) : Exception(message)
{
    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new FuzzFinding(message);
        }
    }
}
