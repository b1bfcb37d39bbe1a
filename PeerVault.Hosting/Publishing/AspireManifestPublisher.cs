using System.Text.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting.Publishing;

/// <summary>
/// Writes the Aspire manifest (<c>{"resources": {...}}</c>): <c>parameter.v0</c> for parameters,
/// <c>project.v0</c> for projects with their bindings, and expressions
/// (<c>{node1.bindings.tcp.url}</c>, <c>{cluster-key.value}</c>) in place of every value that is
/// only known at deployment. No secret is ever written.
/// </summary>
internal static class AspireManifestPublisher
{
    public static async Task WriteAsync(IReadOnlyList<IResource> resources, string outputPath, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        var manifest = new JsonObject { ["$schema"] = "https://json.schemastore.org/aspire-8.0.json" };
        var entries = new JsonObject();
        manifest["resources"] = entries;

        foreach (var parameter in resources.OfType<ParameterResource>())
        {
            var input = new JsonObject { ["type"] = "string", ["secret"] = parameter.Secret };
            if (Generate(parameter.Default) is { } generate)
            {
                input["default"] = new JsonObject { ["generate"] = generate };
            }

            entries[parameter.Name] = new JsonObject
            {
                ["type"] = "parameter.v0",
                ["value"] = $"{{{parameter.Name}.inputs.value}}",
                ["inputs"] = new JsonObject { ["value"] = input },
            };
        }

        foreach (var project in DeployedProject.From(resources))
        {
            var env = new JsonObject();
            foreach (var (name, value) in project.Environment)
            {
                env[name] = Expression(value);
            }

            var bindings = new JsonObject();
            foreach (var endpoint in project.Endpoints)
            {
                bindings[endpoint.Name] = new JsonObject
                {
                    ["scheme"] = endpoint.Scheme,
                    ["protocol"] = "tcp",
                    ["transport"] = endpoint.Transport,
                    ["targetPort"] = endpoint.TargetPort,
                };
            }

            var entry = new JsonObject
            {
                ["type"] = "project.v0",
                ["path"] = Path.GetRelativePath(directory, project.Resource.Project.ProjectPath).Replace('\\', '/'),
                ["env"] = env,
            };
            if (project.Args.Count > 0)
            {
                entry["args"] = new JsonArray([.. project.Args.Select(a => JsonValue.Create(a))]);
            }

            if (bindings.Count > 0)
            {
                entry["bindings"] = bindings;
            }

            entries[project.Name] = entry;
        }

        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(outputPath, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
    }

    private static string Expression(EnvironmentValue value) => value switch
    {
        LiteralValue literal => literal.Text,
        ParameterValue parameter => parameter.Parameter.ValueExpression,
        EndpointValue { PortOnly: true } endpoint => $"{{{endpoint.Resource.Name}.bindings.{endpoint.Endpoint.Name}.targetPort}}",
        EndpointValue endpoint => $"{{{endpoint.Resource.Name}.bindings.{endpoint.Endpoint.Name}.url}}",
        DataDirectoryValue data => data.Data.MountPath,
        _ => throw new InvalidOperationException($"Unknown value {value}."),
    };

    /// <summary>Aspire's <c>generate</c> object. A hex key is generated from digits only: 64 decimal digits are valid hex (212 bits).</summary>
    private static JsonObject? Generate(ParameterDefault? value) => value switch
    {
        GenerateParameterDefault g => new JsonObject
        {
            ["minLength"] = g.MinLength,
            ["lower"] = g.Lower,
            ["upper"] = g.Upper,
            ["numeric"] = g.Numeric,
            ["special"] = g.Special,
        },
        HexKeyParameterDefault hex => new JsonObject
        {
            ["minLength"] = hex.Bytes * 2,
            ["lower"] = false,
            ["upper"] = false,
            ["numeric"] = true,
            ["special"] = false,
        },
        _ => null,
    };
}
