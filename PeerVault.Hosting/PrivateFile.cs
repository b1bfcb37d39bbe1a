namespace PeerVault.Hosting;

/// <summary>
/// Writes a file only its owner may read (mode 0600, as ssh keys are): the connection files hold
/// secrets. Written under a temporary name and renamed, so a reader never sees half of one.
/// </summary>
internal static class PrivateFile
{
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            write(stream);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static void WriteText(string path, string text)
        => Write(path, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(text)));
}
