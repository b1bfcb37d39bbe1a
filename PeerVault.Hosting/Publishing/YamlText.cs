using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace PeerVault.Hosting.Publishing;

/// <summary>A YAML mapping that keeps its keys in the order they were added, so output reads like hand-written YAML. A null value leaves the key out.</summary>
internal sealed class YamlMap : IEnumerable<KeyValuePair<string, object?>>
{
    private readonly List<KeyValuePair<string, object?>> _entries = [];

    public void Add(string key, object? value) => _entries.Add(new(key, value));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Writes YAML documents built from <see cref="YamlMap"/>s, lists, strings, numbers and booleans.
/// Every string value is double-quoted: YAML 1.1 readers (compose v1's PyYAML) turn a plain
/// <c>no</c>, <c>on</c> or <c>0755</c> into booleans and numbers, and nothing that is meant as text may
/// depend on which YAML version reads it. Numbers and booleans stay plain because the schemas
/// (compose's <c>retries</c>, Kubernetes' <c>replicas</c>) want them typed.
/// </summary>
internal static partial class YamlText
{
    private static readonly HashSet<string> Yaml11Words = new(StringComparer.OrdinalIgnoreCase)
    {
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
    };

    /// <summary>One document, without a leading <c>---</c>.</summary>
    public static string Write(object document) => Write([document], explicitStart: false);

    /// <summary>Several documents, each opened by <c>---</c>.</summary>
    public static string WriteAll(IEnumerable<object> documents) => Write(documents, explicitStart: true);

    private static string Write(IEnumerable<object> documents, bool explicitStart)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(text, new EmitterSettings().WithBestWidth(int.MaxValue).WithIndentedSequences().WithNewLine("\n"));
        emitter.Emit(new StreamStart());
        foreach (var document in documents)
        {
            emitter.Emit(new DocumentStart(null, null, isImplicit: !explicitStart));
            Emit(emitter, document);
            emitter.Emit(new DocumentEnd(isImplicit: true));
        }

        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void Emit(Emitter emitter, object? value)
    {
        switch (value)
        {
            case YamlMap map:
                var entries = map.Where(e => e.Value is not null).ToList();
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, entries.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, item) in entries)
                {
                    emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, key, IsPlainKey(key) ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted, isPlainImplicit: true, isQuotedImplicit: true));
                    Emit(emitter, item);
                }

                emitter.Emit(new MappingEnd());
                break;
            case string text:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, text, ScalarStyle.DoubleQuoted, isPlainImplicit: false, isQuotedImplicit: true));
                break;
            case bool flag:
                emitter.Emit(new Scalar(flag ? "true" : "false"));
                break;
            case int or long:
                emitter.Emit(new Scalar(Convert.ToString(value, CultureInfo.InvariantCulture)!));
                break;
            case IEnumerable items:
                var list = items.Cast<object?>().ToList();
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, list.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in list)
                {
                    Emit(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            default:
                throw new NotSupportedException($"Cannot write a {value?.GetType().Name ?? "null"} as YAML.");
        }
    }

    /// <summary>Keys such as <c>app.kubernetes.io/name</c> or <c>services__node2__tcp__0</c> read the same to every YAML version.</summary>
    private static bool IsPlainKey(string key) => PlainKey().IsMatch(key) && !Yaml11Words.Contains(key);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_./-]*$")]
    private static partial Regex PlainKey();
}
