using System.Globalization;
using System.Text;

namespace PeerVault.Node.Storage;

/// <summary>
/// User keys: valid UTF-8, 1 to 1024 bytes, in Unicode normalization form C, without control (Cc)
/// or invisible format (Cf) characters. A key that arrives decomposed (NFD) is the same key as its
/// composed form: it is normalised on the way in, so "café" is one object however it was typed.
/// Keys never become file names (blobs are named by hash), so '/', '..' and the like are ordinary
/// characters here.
/// </summary>
public static class ObjectKey
{
    public const int MaxBytes = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes a key given as raw UTF-8 bytes (e.g. percent-decoded from a URL), normalises it to NFC and validates it.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> utf8, out string key, out string error)
    {
        key = string.Empty;
        if (utf8.Length > 4 * MaxBytes)
        {
            error = $"Key is {utf8.Length} bytes; keys are at most {MaxBytes} bytes of UTF-8.";
            return false;
        }

        string decoded;
        try
        {
            decoded = StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            error = "Key is not valid UTF-8.";
            return false;
        }

        key = decoded.IsNormalized(NormalizationForm.FormC) ? decoded : decoded.Normalize(NormalizationForm.FormC);
        return Validate(key, out error);
    }

    /// <summary>Validates a key that is already a string (e.g. from a peer's message): it must already be in NFC.</summary>
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

        foreach (var rune in key.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format)
            {
                error = $"Key contains U+{rune.Value:X4}, {(category == UnicodeCategory.Control ? "a control" : "an invisible format")} character; keys may not.";
                return false;
            }
        }

        if (!key.IsNormalized(NormalizationForm.FormC))
        {
            error = "Key is not in Unicode normalization form C.";
            return false;
        }

        error = string.Empty;
        return true;
    }
}
