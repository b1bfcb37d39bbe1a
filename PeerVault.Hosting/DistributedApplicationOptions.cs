using System.Reflection;

namespace Aspire.Hosting;

public sealed class DistributedApplicationOptions
{
    public string[] Args { get; set; } = [];

    /// <summary>The AppHost's assembly (for its user secrets id and project directory); the entry assembly by default.</summary>
    public Assembly? AppHostAssembly { get; set; }

    public bool DisableDashboard { get; set; }

    /// <summary>Set by the testing builder: no console echo, logs go to the test's logger.</summary>
    internal bool IsTesting { get; set; }
}
