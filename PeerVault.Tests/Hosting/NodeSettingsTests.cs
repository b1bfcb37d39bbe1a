using Microsoft.Extensions.Configuration;
using PeerVault.Node.Hosting;
using PeerVault.Node.Security;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Hosting;

/// <summary>
/// Every PEERVAULT_* setting read by <see cref="NodeSettings.Load"/>: its default, a valid value, and
/// a malformed one refused with a message that names the variable (the one line an operator sees).
/// </summary>
[Trait("Category", "Unit")]
public sealed class NodeSettingsTests : IDisposable
{
    private readonly TempDirectory _directory = new("peervault-settings");
    private readonly ClusterSecrets _secrets = ClusterSecrets.Generate();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void With_only_its_secrets_a_node_takes_the_documented_defaults()
    {
        var settings = Load(new Dictionary<string, string?>());

        Assert.Equal("node-7000", settings.Identity.Name);
        Assert.Equal(7000, settings.Net.Port);
        Assert.Equal(3, settings.Cluster.Replicas);
        Assert.Equal(2, settings.Cluster.WriteQuorum);
        Assert.Equal(TimeSpan.FromSeconds(300), settings.Cluster.MaxClockSkew);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Cluster.SyncInterval);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.Cluster.DeadAfter);
        Assert.Equal(TimeSpan.FromSeconds(86400), settings.Cluster.TombstoneGrace);
        Assert.Equal(TimeSpan.FromSeconds(600), settings.Cluster.BlobSweepDelay);
        Assert.Equal(67108864, settings.Cluster.RepairBytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Net.IdleTimeout);
        Assert.Equal(32, settings.Net.MaxConnectionsPerAddress);
        Assert.Equal(256, settings.Net.MaxConnections);
        Assert.Equal(20000, settings.Net.MaxFramesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(86400), settings.Keys.Epochs.Length);
        Assert.Equal(64L << 30, settings.Api.MaxObjectBytes);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Storage.ProbeInterval);
        Assert.Equal(TimeSpan.FromSeconds(86400), settings.Storage.ScrubInterval);
        Assert.Equal(33554432, settings.Storage.ScrubBytesPerSecond);
        Assert.Empty(settings.Membership.Bootstrap);
        Assert.Null(settings.Membership.AdvertiseHost);
        Assert.Empty(settings.Warnings);
    }

    [Fact]
    public void Every_setting_given_a_valid_value_is_taken()
    {
        var previousKey = ClusterSecrets.Generate().ClusterKey;
        var settings = Load(new Dictionary<string, string?>
        {
            [NodeSettings.NodeNameVariable] = " edge-1 ",
            [NodeSettings.P2PPortVariable] = "7100",
            [NodeSettings.ReplicasVariable] = "5",
            [NodeSettings.WriteQuorumVariable] = "5",
            [NodeSettings.MaxClockSkewVariable] = "1.5",
            [NodeSettings.SyncIntervalVariable] = "2",
            [NodeSettings.DeadAfterVariable] = "9",
            [NodeSettings.TombstoneGraceVariable] = "3600",
            [NodeSettings.BlobSweepDelayVariable] = "60",
            [NodeSettings.RepairRateVariable] = "1000",
            [NodeSettings.IdleTimeoutVariable] = "4",
            [NodeSettings.MaxConnectionsPerAddressVariable] = "3",
            [NodeSettings.MaxConnectionsVariable] = "7",
            [NodeSettings.MaxFramesPerSecondVariable] = "0",
            [NodeSettings.EpochSecondsVariable] = "60",
            [NodeSettings.MaxObjectBytesVariable] = "1048576",
            [NodeSettings.StorageProbeVariable] = "1",
            [NodeSettings.ScrubIntervalVariable] = "120",
            [NodeSettings.ScrubRateVariable] = "2048",
            [NodeSettings.AdvertiseAddressVariable] = "10.1.2.3:7100",
            [NodeSettings.PreviousKeysVariable] = $" {previousKey} ,",
        });

        Assert.Equal("edge-1", settings.Identity.Name);
        Assert.Equal(7100, settings.Net.Port);
        Assert.Equal((5, 5), (settings.Cluster.Replicas, settings.Cluster.WriteQuorum));
        Assert.Equal(TimeSpan.FromSeconds(1.5), settings.Cluster.MaxClockSkew);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.Cluster.SyncInterval);
        Assert.Equal(TimeSpan.FromSeconds(9), settings.Cluster.DeadAfter);
        Assert.Equal(TimeSpan.FromSeconds(3600), settings.Cluster.TombstoneGrace);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.Cluster.BlobSweepDelay);
        Assert.Equal(1000, settings.Cluster.RepairBytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(4), settings.Net.IdleTimeout);
        Assert.Equal(3, settings.Net.MaxConnectionsPerAddress);
        Assert.Equal(7, settings.Net.MaxConnections);
        Assert.Equal(0, settings.Net.MaxFramesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.Keys.Epochs.Length);
        Assert.Equal(1048576, settings.Api.MaxObjectBytes);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.Storage.ProbeInterval);
        Assert.Equal(TimeSpan.FromSeconds(120), settings.Storage.ScrubInterval);
        Assert.Equal(2048, settings.Storage.ScrubBytesPerSecond);
        Assert.Equal(("10.1.2.3", 7100), (settings.Membership.AdvertiseHost, settings.Membership.AdvertisePort));
        Assert.True(settings.Keys.TryGet(ClusterKey.Parse(previousKey).KeyId, out _), "the previous key is kept for reading");
    }

    [Theory]
    [InlineData("P2P_PORT", "seven")]
    [InlineData("P2P_PORT", "-1")]
    [InlineData("P2P_PORT", "65536")]
    [InlineData("PEERVAULT_REPLICAS", "0")]
    [InlineData("PEERVAULT_REPLICAS", "three")]
    [InlineData("PEERVAULT_REPLICAS", "65")]
    [InlineData("PEERVAULT_WRITE_QUORUM", "0")]
    [InlineData("PEERVAULT_WRITE_QUORUM", "2.5")]
    [InlineData("PEERVAULT_MAX_CLOCK_SKEW_SECONDS", "0")]
    [InlineData("PEERVAULT_MAX_CLOCK_SKEW_SECONDS", "-5")]
    [InlineData("PEERVAULT_SYNC_INTERVAL_SECONDS", "30s")]
    [InlineData("PEERVAULT_DEAD_AFTER_SECONDS", "1e3")]
    [InlineData("PEERVAULT_TOMBSTONE_GRACE_SECONDS", "forever")]
    [InlineData("PEERVAULT_BLOB_SWEEP_DELAY_SECONDS", "0")]
    [InlineData("PEERVAULT_IDLE_TIMEOUT_SECONDS", "-1")]
    [InlineData("PEERVAULT_STORAGE_PROBE_SECONDS", "0")]
    [InlineData("PEERVAULT_SCRUB_INTERVAL_SECONDS", "999999999999")]
    [InlineData("PEERVAULT_REPAIR_BYTES_PER_SECOND", "0")]
    [InlineData("PEERVAULT_REPAIR_BYTES_PER_SECOND", "64MiB")]
    [InlineData("PEERVAULT_SCRUB_BYTES_PER_SECOND", "-1")]
    [InlineData("PEERVAULT_MAX_OBJECT_BYTES", "1.5")]
    [InlineData("PEERVAULT_MAX_CONNECTIONS", "0")]
    [InlineData("PEERVAULT_MAX_CONNECTIONS_PER_ADDRESS", "65536")]
    [InlineData("PEERVAULT_MAX_FRAMES_PER_SECOND", "-1")]
    [InlineData("PEERVAULT_EPOCH_SECONDS", "0")]
    [InlineData("PEERVAULT_CLUSTER_KEY", "abc")]
    [InlineData("PEERVAULT_CLUSTER_KEY", "zz00000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("PEERVAULT_PREVIOUS_CLUSTER_KEYS", "not-a-key")]
    [InlineData("PEERVAULT_AUTH_TOKEN", "short")]
    [InlineData("PEERVAULT_API_KEY", "short")]
    [InlineData("PEERVAULT_NODE_NAME", "bad\u0001name")]
    [InlineData("PEERVAULT_ADVERTISE_ADDRESS", "10.1.2.3")]
    [InlineData("PEERVAULT_BOOTSTRAP", "node2")]
    [InlineData("PEERVAULT_BOOTSTRAP", "node2:7000,node3:")]
    [InlineData("PEERVAULT_BOOTSTRAP", ":7000")]
    [InlineData("PEERVAULT_BOOTSTRAP", "node2:0")]
    [InlineData("PEERVAULT_BOOTSTRAP", "node2:70000")]
    [InlineData("PEERVAULT_BOOTSTRAP", "http://node2:7000")]
    [InlineData("PEERVAULT_BOOTSTRAP", "tcp://node2:7000/path")]
    public void A_malformed_value_stops_the_node_with_a_message_naming_the_variable(string variable, string value)
    {
        var refusal = Assert.Throws<NodeConfigurationException>(() => Load(new Dictionary<string, string?> { [variable] = value }));

        Assert.Contains(variable, refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PEERVAULT_CLUSTER_KEY")]
    [InlineData("PEERVAULT_PREVIOUS_CLUSTER_KEYS")]
    public void A_malformed_cluster_key_is_never_repeated_in_the_refusal(string variable)
    {
        // One hex digit short of a real key: printing it would leak almost all of a secret to the logs.
        var almostAKey = ClusterSecrets.Generate().ClusterKey[..63];

        var refusal = Assert.Throws<NodeConfigurationException>(() => Load(new Dictionary<string, string?> { [variable] = almostAKey }));

        Assert.Contains(variable, refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(almostAKey, refusal.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_write_quorum_above_the_replica_count_is_refused_naming_both()
    {
        var refusal = Assert.Throws<NodeConfigurationException>(() => Load(new Dictionary<string, string?>
        {
            [NodeSettings.ReplicasVariable] = "2",
            [NodeSettings.WriteQuorumVariable] = "3",
        }));

        Assert.Contains(NodeSettings.WriteQuorumVariable, refusal.Message, StringComparison.Ordinal);
        Assert.Contains(NodeSettings.ReplicasVariable, refusal.Message, StringComparison.Ordinal);
        Assert.Contains("R=2; got 3", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tombstone_grace_within_two_sync_intervals_is_refused_since_deletes_could_come_back()
    {
        var refusal = Assert.Throws<NodeConfigurationException>(() => Load(new Dictionary<string, string?>
        {
            [NodeSettings.SyncIntervalVariable] = "60",
            [NodeSettings.TombstoneGraceVariable] = "120",
        }));

        Assert.Contains(NodeSettings.TombstoneGraceVariable, refusal.Message, StringComparison.Ordinal);
        Assert.Contains("deletes can come back", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_development_each_missing_secret_is_named_in_one_refusal()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [NodeSettings.DataDirectoryVariable] = _directory.Sub("node"),
        }).Build();

        var refusal = Assert.Throws<NodeConfigurationException>(() => NodeSettings.Load(configuration, TimeProvider.System, development: false));

        Assert.Contains(ClusterKey.EnvironmentVariable, refusal.Message, StringComparison.Ordinal);
        Assert.Contains(AuthToken.EnvironmentVariable, refusal.Message, StringComparison.Ordinal);
        Assert.Contains(NodeSettings.ApiKeyVariable, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void In_development_missing_secrets_are_generated_once_kept_in_the_data_directory_and_warned_about()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [NodeSettings.DataDirectoryVariable] = _directory.Sub("node"),
        }).Build();

        var first = NodeSettings.Load(configuration, TimeProvider.System, development: true);
        var second = NodeSettings.Load(configuration, TimeProvider.System, development: true);

        Assert.Equal(3, first.Warnings.Count);
        Assert.Contains(first.Warnings, w => w.StartsWith(ClusterKey.EnvironmentVariable, StringComparison.Ordinal));
        Assert.Contains(first.Warnings, w => w.StartsWith(AuthToken.EnvironmentVariable, StringComparison.Ordinal));
        Assert.Contains(first.Warnings, w => w.StartsWith(NodeSettings.ApiKeyVariable, StringComparison.Ordinal));
        Assert.Equal(first.Keys.Current.KeyId, second.Keys.Current.KeyId);
        Assert.Equal(first.Api.AdminKey, second.Api.AdminKey);
        Assert.Equal(first.Identity.Id, second.Identity.Id);
    }

    private NodeSettings Load(Dictionary<string, string?> settings)
    {
        var values = _secrets.Environment();
        values[NodeSettings.DataDirectoryVariable] = _directory.Sub("node");
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        return NodeSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), TimeProvider.System, development: false);
    }
}
