using System.Text;

namespace PeerVault.Tests.Infrastructure;

/// <summary>The classic demo set: picture_0.png … picture_19.png, each "my big data file here!".</summary>
public static class DemoFiles
{
    public const string Content = "my big data file here!";

    public static byte[] ContentBytes => Encoding.UTF8.GetBytes(Content);

    public static IEnumerable<string> Keys => Enumerable.Range(0, 20).Select(i => $"picture_{i}.png");

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
