using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeerVault.Node.Storage;

/// <summary>
/// The version of a write or a delete: a hybrid logical clock reading (wall-clock milliseconds and
/// a counter for writes within one millisecond) and the id of the node that made it, which breaks
/// ties. Versions are totally ordered, the same way on every node, so the last writer wins
/// deterministically everywhere. The text form <c>{wallMs:x16}.{counter:x8}.{node:N}</c> sorts the
/// same way as the versions it names.
/// </summary>
[JsonConverter(typeof(ObjectVersionJsonConverter))]
public readonly record struct ObjectVersion(long WallMs, uint Counter, Guid Node) : IComparable<ObjectVersion>
{
    public const int TextLength = 16 + 1 + 8 + 1 + 32;

    public static ObjectVersion Zero => default;

    public int CompareTo(ObjectVersion other)
    {
        var byWall = WallMs.CompareTo(other.WallMs);
        if (byWall != 0)
        {
            return byWall;
        }

        var byCounter = Counter.CompareTo(other.Counter);
        return byCounter != 0 ? byCounter : CompareNodes(Node, other.Node);
    }

    public static bool operator <(ObjectVersion left, ObjectVersion right) => left.CompareTo(right) < 0;

    public static bool operator >(ObjectVersion left, ObjectVersion right) => left.CompareTo(right) > 0;

    public static bool operator <=(ObjectVersion left, ObjectVersion right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ObjectVersion left, ObjectVersion right) => left.CompareTo(right) >= 0;

    public static ObjectVersion Max(ObjectVersion a, ObjectVersion b) => a >= b ? a : b;

    public DateTimeOffset WallTime => DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(WallMs, 0, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()));

    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{WallMs:x16}.{Counter:x8}.{Node:N}");

    /// <summary>
    /// Writes the text form as UTF-8 (<see cref="TextLength"/> bytes) without making a string, for
    /// writers that put thousands of versions on the wire at once (a listing page).
    /// </summary>
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (utf8Destination.Length < TextLength
            || !WallMs.TryFormat(utf8Destination, out _, "x16", CultureInfo.InvariantCulture)
            || !Counter.TryFormat(utf8Destination[17..], out _, "x8", CultureInfo.InvariantCulture)
            || !Node.TryFormat(utf8Destination[26..], out _, "N"))
        {
            return false;
        }

        utf8Destination[16] = (byte)'.';
        utf8Destination[25] = (byte)'.';
        bytesWritten = TextLength;
        return true;
    }

    public static bool TryParse(string? text, out ObjectVersion version)
    {
        version = default;
        if (text is not { Length: TextLength } || text[16] != '.' || text[25] != '.')
        {
            return false;
        }

        if (!long.TryParse(text.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var wall) || wall < 0
            || !uint.TryParse(text.AsSpan(17, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var counter)
            || !Guid.TryParseExact(text.AsSpan(26), "N", out var node))
        {
            return false;
        }

        version = new ObjectVersion(wall, counter, node);
        return true;
    }

    /// <summary>Node ids compare by their big-endian bytes, which is the order of their "N" text form.</summary>
    private static int CompareNodes(Guid a, Guid b)
    {
        Span<byte> left = stackalloc byte[16];
        Span<byte> right = stackalloc byte[16];
        a.TryWriteBytes(left, bigEndian: true, out _);
        b.TryWriteBytes(right, bigEndian: true, out _);
        return left.SequenceCompareTo(right);
    }

    /// <summary>Writes the 32 bytes that digests hash: wall, counter, node.</summary>
    public void WriteBytes(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, WallMs);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Counter);
        Node.TryWriteBytes(destination[12..], bigEndian: true, out _);
    }

    public const int ByteLength = 8 + 4 + 16;
}

/// <summary>
/// Versions as their text form. Reads the whole-number versions of PeerVault's first index format
/// (microseconds since the epoch) too, so a data directory from an earlier release still opens.
/// </summary>
internal sealed class ObjectVersionJsonConverter : JsonConverter<ObjectVersion>
{
    public override ObjectVersion Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var microseconds) && microseconds >= 0)
        {
            return new ObjectVersion(microseconds / 1000, (uint)(microseconds % 1000), Guid.Empty);
        }

        return reader.TokenType == JsonTokenType.String && ObjectVersion.TryParse(reader.GetString(), out var version)
            ? version
            : throw new JsonException("A version is {wallMs:x16}.{counter:x8}.{node:N}.");
    }

    public override void Write(Utf8JsonWriter writer, ObjectVersion value, JsonSerializerOptions options)
        => writer.WriteStringValue(value.ToString());
}
