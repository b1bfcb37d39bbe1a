using System.Globalization;
using System.Text;
using CsCheck;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using PeerVault.Node.Api;
using PeerVault.Node.Storage;

namespace PeerVault.Tests.Storage;

/// <summary>The key policy: NFC, no control or invisible format characters, one key however it was typed or escaped.</summary>
[Trait("Category", "Unit")]
public sealed class ObjectKeyPropertyTests
{
    private static readonly string[] Pieces =
    [
        "a", "Z", "0", "/", ".", "..", " ", "%", "+", "?", "#", "photos/", "café", "e\u0301", "A\u030A", "\u1100\u1161\u11A8", "한",
        "日本", "😀", "👍🏽", "\u0301", "ﬁ", "Ω", "Å", "\u212B", "\u00A0", "\u2028",
    ];

    /// <summary>Control (Cc) and invisible format (Cf) characters, which no key may hold.</summary>
    private static readonly string[] Forbidden = ["\u0000", "\u0007", "\t", "\n", "\u007F", "\u0085", "\u00AD", "\u200B", "\u200D", "\u202E", "\u2066", "\uFEFF", "\U000E0001"];

    private static readonly Gen<string> AnyRune = Gen.Int[0, 0x10FFFF].Where(Rune.IsValid).Select(v => new Rune(v).ToString());

    private static readonly Gen<string> Text = Gen.Frequency((4, Gen.OneOf(Pieces)), (1, AnyRune)).Array[1, 12].Select(p => string.Concat(p));

    [Fact]
    public void Any_accepted_key_is_nfc_and_holds_no_control_or_format_character()
    {
        Text.Sample(text =>
        {
            if (!ObjectKey.TryDecode(Encoding.UTF8.GetBytes(text), out var key, out _))
            {
                return;
            }

            Assert.True(key.IsNormalized(NormalizationForm.FormC));
            Assert.DoesNotContain(key.EnumerateRunes(), r => Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format);
            Assert.True(ObjectKey.Validate(key, out _));
            Assert.InRange(Encoding.UTF8.GetByteCount(key), 1, ObjectKey.MaxBytes);
        });
    }

    [Fact]
    public void Normalising_an_accepted_key_again_changes_nothing()
    {
        Text.Sample(text =>
        {
            if (ObjectKey.TryDecode(Encoding.UTF8.GetBytes(text), out var key, out _))
            {
                Assert.True(ObjectKey.TryDecode(Encoding.UTF8.GetBytes(key), out var again, out _));
                Assert.Equal(key, again);
            }
        });
    }

    [Fact]
    public void The_composed_and_decomposed_forms_of_a_text_are_the_same_key()
    {
        Text.Sample(text =>
        {
            var composed = ObjectKey.TryDecode(Encoding.UTF8.GetBytes(text.Normalize(NormalizationForm.FormC)), out var fromNfc, out _);
            var decomposed = ObjectKey.TryDecode(Encoding.UTF8.GetBytes(text.Normalize(NormalizationForm.FormD)), out var fromNfd, out _);

            Assert.Equal(composed, decomposed);
            if (composed)
            {
                Assert.Equal(fromNfc, fromNfd);
            }
        });
    }

    [Fact]
    public void Any_text_with_a_control_or_format_character_is_refused()
    {
        Gen.Select(Text, Gen.OneOf(Forbidden), Gen.Int[0, 100]).Sample((text, forbidden, at) =>
        {
            var runes = text.EnumerateRunes().Select(r => r.ToString()).ToList();
            runes.Insert(at % (runes.Count + 1), forbidden);
            var key = string.Concat(runes);

            Assert.False(ObjectKey.TryDecode(Encoding.UTF8.GetBytes(key), out _, out _));
            Assert.False(ObjectKey.Validate(key, out _));
        });
    }

    [Fact]
    public void Any_accepted_key_comes_back_from_its_url_whether_or_not_slashes_are_escaped()
    {
        Text.Sample(text =>
        {
            if (!ObjectKey.TryDecode(Encoding.UTF8.GetBytes(text), out var key, out _))
            {
                return;
            }

            var segmentsEscaped = string.Join('/', key.Split('/').Select(Uri.EscapeDataString));
            foreach (var escaped in new[] { Uri.EscapeDataString(key), segmentsEscaped })
            {
                var context = new DefaultHttpContext();
                context.Features.Get<IHttpRequestFeature>()!.RawTarget = RawObjectKey.Prefix + escaped;

                Assert.True(RawObjectKey.TryRead(context, out var read, out var error), error);
                Assert.Equal(key, read);
            }
        });
    }
}
