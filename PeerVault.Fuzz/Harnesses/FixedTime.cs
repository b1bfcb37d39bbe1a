namespace PeerVault.Fuzz.Harnesses;

/// <summary>A clock that always reads the same instant, so a run depends only on its input.</summary>
internal sealed class FixedTime : TimeProvider
{
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly FixedTime Instance = new();

    public override DateTimeOffset GetUtcNow() => Now;
}
