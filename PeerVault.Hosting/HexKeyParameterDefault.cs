using System.Security.Cryptography;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Publishing;

namespace PeerVault.Hosting;

/// <summary>
/// A generated secret of <paramref name="bytes"/> random bytes written as lower-case hex, which is
/// what a node accepts as its cluster key. Aspire's <see cref="GenerateParameterDefault"/> cannot
/// promise hex characters, so it cannot generate one.
/// </summary>
public sealed class HexKeyParameterDefault(int bytes) : ParameterDefault
{
    public int Bytes { get; } = bytes > 0 ? bytes : throw new ArgumentOutOfRangeException(nameof(bytes));

    public override string GetDefaultValue() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(Bytes));

    /// <summary>
    /// A deployment tool that honours the manifest's <c>generate</c> default can only choose character
    /// classes: digits only, twice the byte count long, is valid hex (about 3.3 bits per character).
    /// </summary>
    public override void WriteToManifest(ManifestPublishingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        new GenerateParameterDefault { MinLength = Bytes * 2, Lower = false, Upper = false, Special = false }.WriteToManifest(context);
    }
}
