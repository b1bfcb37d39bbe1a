using System.Collections;
using System.Reflection;
using PeerVault.Node.Net.Rpc;

namespace PeerVault.Fuzz.Harnesses;

/// <summary>
/// Finds a null the peer message types say cannot be there (a non-nullable property, or an element
/// of a non-nullable list), which the code that handles a message would dereference.
/// </summary>
internal static class WireNulls
{
    private static readonly NullabilityInfoContext Nullability = new();

    public static string? Find(object value, string path)
    {
        var type = value.GetType();
        if (type.Namespace != typeof(Envelope).Namespace)
        {
            return null;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var info = Nullability.Create(property);
            var where = $"{path}.{property.Name}";
            switch (property.GetValue(value))
            {
                case null when info.ReadState == NullabilityState.NotNull:
                    return where;
                case null:
                    break;
                case string:
                    break;
                case IEnumerable items:
                    var elementState = info.GenericTypeArguments is [var element] ? element.ReadState : info.ElementType?.ReadState;
                    var index = 0;
                    foreach (var item in items)
                    {
                        var found = item is null
                            ? (elementState == NullabilityState.NotNull ? $"{where}[{index}]" : null)
                            : Find(item, $"{where}[{index}]");
                        if (found is not null)
                        {
                            return found;
                        }

                        index++;
                    }

                    break;
                case var child when Find(child, where) is { } found:
                    return found;
            }
        }

        return null;
    }
}
