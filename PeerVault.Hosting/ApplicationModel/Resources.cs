namespace Aspire.Hosting.ApplicationModel;

/// <summary>Anything the app model declares: a project, a parameter, a container.</summary>
public interface IResource
{
    string Name { get; }

    ResourceAnnotationCollection Annotations { get; }
}

/// <summary>A resource that exposes network endpoints other resources can reference.</summary>
public interface IResourceWithEndpoints : IResource;

/// <summary>A resource that accepts environment variables.</summary>
public interface IResourceWithEnvironment : IResource;

/// <summary>A resource that can be waited for.</summary>
public interface IResourceWithWaitSupport : IResource;

/// <summary>Marker annotations attached to a resource.</summary>
public interface IResourceAnnotation;

public sealed class ResourceAnnotationCollection : List<IResourceAnnotation>;

public abstract class Resource(string name) : IResource
{
    public string Name { get; } = ValidateName(name);

    public ResourceAnnotationCollection Annotations { get; } = [];

    public override string ToString() => Name;

    private static string ValidateName(string name)
    {
        // Resource names become DNS names, environment variable parts and file names.
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !char.IsAsciiLetter(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw new ArgumentException($"Resource name '{name}' must start with a letter and contain only ASCII letters, digits and '-' (at most 64).", nameof(name));
        }

        return name;
    }
}

/// <summary>Identifies a project that an AppHost can run; generated per referenced project as <c>Projects.X</c>.</summary>
public interface IProjectMetadata
{
    /// <summary>The .csproj path.</summary>
    string ProjectPath { get; }
}

/// <summary>Where the build put a project's assembly; our generated <c>Projects.X</c> classes know it.</summary>
public interface IProjectOutputMetadata : IProjectMetadata
{
    string TargetPath { get; }
}

/// <summary>A .NET project run as its own process.</summary>
public sealed class ProjectResource(string name, IProjectMetadata project) : Resource(name), IResourceWithEndpoints, IResourceWithEnvironment, IResourceWithWaitSupport
{
    public IProjectMetadata Project { get; } = project;
}
