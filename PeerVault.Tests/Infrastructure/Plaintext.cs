namespace PeerVault.Tests.Infrastructure;

public static class Plaintext
{
    /// <summary>Files under <paramref name="root"/> whose bytes contain <paramref name="needle"/> anywhere.</summary>
    public static IReadOnlyList<string> FilesContaining(string root, ReadOnlySpan<byte> needle)
    {
        var hits = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            // A running node holds its (empty) lock file exclusively; .NET's reads ask for a shared lock.
            if (Path.GetFileName(file) == PeerVault.Node.Storage.DataDirectoryLock.FileName)
            {
                continue;
            }

            if (File.ReadAllBytes(file).AsSpan().IndexOf(needle) >= 0)
            {
                hits.Add(file);
            }
        }

        return hits;
    }
}
