using System.Security.Cryptography;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// An external value (<c>Parameters:{name}</c> in configuration). Secret parameters are masked
/// wherever they are shown and published only as placeholders.
/// </summary>
public sealed class ParameterResource(string name, bool secret, ParameterDefault? @default) : Resource(name)
{
    private string? _value;

    public bool Secret { get; } = secret;

    public ParameterDefault? Default { get; } = @default;

    /// <summary>Keep a generated value in the AppHost's user secrets, so every run uses the same one.</summary>
    public bool Persist { get; init; }

    /// <summary>The value for this run; set by the builder from configuration or the generated default.</summary>
    public string Value
    {
        get => _value ?? throw new InvalidOperationException($"Parameter '{Name}' has no value: set Parameters:{Name} in configuration or user secrets.");
        internal set => _value = value;
    }

    internal bool HasValue => _value is not null;

    public string ValueExpression => $"{{{Name}.value}}";
}

/// <summary>How a parameter gets a value when none is configured, and how that is described in a manifest.</summary>
public abstract class ParameterDefault
{
    public abstract string GetDefaultValue();
}

/// <summary>
/// Aspire's generated default: random characters from the allowed classes, at least
/// <see cref="MinLength"/> long (and at least one of each allowed class).
/// </summary>
public sealed class GenerateParameterDefault : ParameterDefault
{
    public int MinLength { get; init; } = 22;

    public bool Lower { get; init; } = true;

    public bool Upper { get; init; } = true;

    public bool Numeric { get; init; } = true;

    public bool Special { get; init; }

    public override string GetDefaultValue()
    {
        var classes = new List<string>();
        if (Lower)
        {
            classes.Add("abcdefghijklmnopqrstuvwxyz");
        }

        if (Upper)
        {
            classes.Add("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        }

        if (Numeric)
        {
            classes.Add("0123456789");
        }

        if (Special)
        {
            classes.Add("-_.{}~()*+!?");
        }

        if (classes.Count == 0)
        {
            throw new InvalidOperationException("A generated parameter needs at least one character class.");
        }

        var all = string.Concat(classes);
        var chars = classes.Select(c => c[RandomNumberGenerator.GetInt32(c.Length)]).ToList();
        while (chars.Count < MinLength)
        {
            chars.Add(all[RandomNumberGenerator.GetInt32(all.Length)]);
        }

        return new string([.. chars.OrderBy(_ => RandomNumberGenerator.GetInt32(int.MaxValue))]);
    }
}

/// <summary>
/// A random key of <paramref name="bytes"/> bytes written as lower-case hex: what a node requires
/// of <c>PEERVAULT_CLUSTER_KEY</c> (Aspire's character-class generator cannot promise hex).
/// </summary>
public sealed class HexKeyParameterDefault(int bytes) : ParameterDefault
{
    public int Bytes { get; } = bytes;

    public override string GetDefaultValue() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(Bytes));
}
