namespace PeerVault.Node.Security;

/// <summary>
/// Key epochs: <c>floor(unix time / length)</c>. New objects are sealed under the current
/// epoch's wrapping key, so a leaked epoch key exposes one period's objects, not the cluster's.
/// </summary>
public sealed class EpochClock(TimeProvider time, TimeSpan length)
{
    public static readonly TimeSpan DefaultLength = TimeSpan.FromHours(24);

    public TimeSpan Length { get; } = length > TimeSpan.Zero
        ? length
        : throw new ArgumentOutOfRangeException(nameof(length), length, "An epoch must be longer than zero.");

    public long Current => time.GetUtcNow().ToUnixTimeMilliseconds() / (long)Length.TotalMilliseconds;
}
