namespace PeerVault.Tests.Infrastructure;

/// <summary>Where the solution's build outputs are, from the test assembly's own location (…/PeerVault.Tests/bin/{Configuration}/{tfm}/).</summary>
public static class SolutionPaths
{
    private static readonly DirectoryInfo TestOutput = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    public static string Configuration => TestOutput.Parent!.Name;

    public static string TargetFramework => TestOutput.Name;

    public static string Root => TestOutput.Parent!.Parent!.Parent!.Parent!.FullName;

    /// <summary>The built assembly of a project in the solution, e.g. <c>PeerVault.Node</c>.</summary>
    public static string ProjectAssembly(string project)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, TargetFramework, $"{project}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{project} is not built; build the solution first.", path);
    }
}
