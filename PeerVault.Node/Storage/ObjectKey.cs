using System.Text;

namespace PeerVault.Node.Storage;

/// <summary>
/// User keys: valid UTF-8, 1 to 1024 bytes, no control characters. Keys never become file names
/// (blobs are named by hash), so '/', '..' and the like are ordinary characters here.
/// </summary>
public static class ObjectKey
{
    public const int MaxBytes = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Validates a key given as raw UTF-8 bytes (e.g. percent-decoded from a URL).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> utf8, out string key, out string error)
    {
        key = string.Empty;
        if (utf8.Length > MaxBytes)
        {
            error = $"Key is {utf8.Length} bytes; keys are at most {MaxBytes} bytes of UTF-8.";
            return false;
        }

        try
        {
            key = StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            error = "Key is not valid UTF-8.";
            return false;
        }

        return Validate(key, out error);
    }

    /// <summary>Validates a key that is already a string (e.g. from a peer's message).</summary>
    public static bool Validate(string? key, out string error)
    {
        if (string.IsNullOrEmpty(key))
        {
            error = "Key is empty; keys are 1 to 1024 bytes of UTF-8.";
            return false;
        }

        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(key);
        }
        catch (EncoderFallbackException)
        {
            error = "Key contains an unpaired surrogate and is not valid UTF-8.";
            return false;
        }

        if (bytes > MaxBytes)
        {
            error = $"Key is {bytes} bytes; keys are at most {MaxBytes} bytes of UTF-8.";
            return false;
        }

        if (key.Any(char.IsControl))
        {
            error = "Key contains a control character.";
            return false;
        }

        error = string.Empty;
        return true;
    }
}
