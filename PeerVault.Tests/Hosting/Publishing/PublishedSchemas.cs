using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using PeerVault.Tests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PeerVault.Tests.Hosting.Publishing;

/// <summary>
/// The published JSON schemas kept beside these tests (see Schemas/README.md), and YAML read as the
/// JSON those schemas describe: a quoted scalar is a string, a plain one a number, boolean or null
/// where YAML 1.1 says so, because that is how compose v1 reads the file.
/// </summary>
public static class PublishedSchemas
{
    private static readonly string Folder = Path.Combine(SolutionPaths.Root, "PeerVault.Tests", "Hosting", "Publishing", "Schemas");

    public static JsonSchema AspireManifest { get; } = Load("aspire-8.0.json");

    public static JsonSchema ComposeSpec { get; } = Load("compose-spec.json");

    /// <summary>The schema's complaints about <paramref name="document"/>, each with where in the document it applies; empty when valid.</summary>
    public static IReadOnlyList<string> Errors(JsonSchema schema, JsonNode document)
    {
        using var json = JsonDocument.Parse(document.ToJsonString());
        var result = schema.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid
            ? []
            : [.. (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).DefaultIfEmpty("invalid")];
    }

    public static JsonNode FromYaml(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return ToJson(Assert.Single(stream.Documents).RootNode)!;
    }

    /// <summary>
    /// The compose spec names draft 2019-09 by its old URI (<c>http://…/schema#</c>) and carries
    /// draft-04 style <c>id</c> annotations, which JsonSchema.Net's strict draft 2019-09 dialect
    /// refuses. Under that old URI it gets draft 2019-09 with unknown keywords ignored, as the
    /// draft itself says to do; every validation keyword keeps its meaning.
    /// </summary>
    private static JsonSchema Load(string file)
    {
        var lenient = Dialect.Draft201909.With([], new Uri("http://json-schema.org/draft/2019-09/schema#"), refIgnoresSiblingKeywords: null, allowUnknownKeywords: true);
        var dialects = new DialectRegistry();
        dialects.Register(lenient);
        return JsonSchema.FromText(File.ReadAllText(Path.Combine(Folder, file)), new BuildOptions { DialectRegistry = dialects, Dialect = lenient });
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(e => KeyValuePair.Create(((YamlScalarNode)e.Key).Value!, ToJson(e.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain } plain => Plain(plain.Value ?? string.Empty),
        YamlScalarNode quoted => JsonValue.Create(quoted.Value),
        _ => throw new NotSupportedException(node.NodeType.ToString()),
    };

    /// <summary>A plain scalar as YAML 1.1 reads it, as compose v1 (PyYAML) does: <c>no</c> and <c>on</c> are booleans there.</summary>
    private static JsonValue? Plain(string value)
        => value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "y" or "Y" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "true" or "True" or "TRUE" => JsonValue.Create(true),
            "n" or "N" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
            _ => JsonValue.Create(value),
        };
}
