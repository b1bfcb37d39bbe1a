using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing;

/// <summary>
/// A value the operator supplies at deployment, never PeerVault: an application parameter (the
/// cluster key, the auth token) or the dashboard's browser token. Compose reads it from the
/// environment or <c>.env</c> as <see cref="Name"/>; Kubernetes keeps it in a Secret under
/// <see cref="SecretKey"/>, filled by <c>envsubst</c> from the same variable.
/// </summary>
internal sealed record RequiredVariable(string Name, string SecretKey, string Description, string HowToGenerate, bool IsSecret)
{
    /// <summary><c>cluster-key</c> becomes <c>CLUSTER_KEY</c>, under the key <c>cluster-key</c>.</summary>
    public static RequiredVariable For(ParameterResource parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var name = string.Concat(parameter.Name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_'));
        var description = parameter.Description is { Length: > 0 } text ? FirstSentence(text) : $"Parameter '{parameter.Name}'.";
        return new RequiredVariable(name, PublishingSettings.KubernetesName(parameter.Name), description, Generator(parameter.Default), parameter.Secret);
    }

    /// <summary>
    /// How compose refers to it: <c>${NAME:?message}</c> stops <c>docker compose</c> with the message
    /// when the variable is unset or empty, so a stack never starts on an empty key.
    /// </summary>
    public string ComposeReference => $"${{{Name}:?set {Name} in .env: {HowToGenerate}}}";

    /// <summary>A shell command printing a suitable value, for the comments beside each placeholder.</summary>
    private static string Generator(ParameterDefault? value) => value switch
    {
        HexKeyParameterDefault hex => string.Create(CultureInfo.InvariantCulture, $"openssl rand -hex {hex.Bytes}"),

        // Hex is lower-case letters and digits: it meets any rule that does not demand upper-case or special characters.
        GenerateParameterDefault { MinUpper: 0, MinSpecial: 0, Lower: true, Numeric: true } generated => string.Create(CultureInfo.InvariantCulture, $"openssl rand -hex {Math.Max(16, (generated.MinLength + 1) / 2)}"),
        GenerateParameterDefault generated => string.Create(CultureInfo.InvariantCulture, $"openssl rand -base64 {Math.Max(24, generated.MinLength)}"),
        _ => "choose a value",
    };

    /// <summary>The comment beside a placeholder is one line; compose messages cannot hold '}' or '$'.</summary>
    private static string FirstSentence(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        var end = line.IndexOf(". ", StringComparison.Ordinal);
        return (end > 0 ? line[..(end + 1)] : line).Replace('`', '\'');
    }
}
