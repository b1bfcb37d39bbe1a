using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Net.Rpc;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster.Membership;

[Trait("Category", "Unit")]
public sealed class MemberFileTests
{
    [Fact]
    public void The_members_saved_are_the_members_loaded_without_this_node_and_an_unchanged_list_is_not_rewritten()
    {
        using var directory = new TempDirectory("peervault-members");
        var self = Guid.NewGuid();
        var members = new[]
        {
            new WireMember(Guid.NewGuid(), "node2", "10.0.0.2", 7000, 3, DateTimeOffset.UnixEpoch, Removed: false),
            new WireMember(Guid.NewGuid(), "node3", null, 7000, 1, DateTimeOffset.UnixEpoch, Removed: true),
            new WireMember(self, "node1", "10.0.0.1", 7000, 9, DateTimeOffset.UnixEpoch, Removed: false),
        };

        var file = new MemberFile(directory.Path);
        Assert.True(file.Save(members));
        Assert.False(file.Save(members.Reverse()));

        var loaded = new MemberFile(directory.Path).Load(self);
        Assert.Equal(members.Where(m => m.Id != self).OrderBy(m => m.Id), loaded.OrderBy(m => m.Id));
    }

    [Fact]
    public void A_missing_or_unreadable_file_is_an_empty_list()
    {
        using var directory = new TempDirectory("peervault-members");
        Assert.Empty(new MemberFile(directory.Path).Load(Guid.NewGuid()));
        File.WriteAllText(Path.Combine(directory.Path, MemberFile.FileName), "[{\"id\":");
        Assert.Empty(new MemberFile(directory.Path).Load(Guid.NewGuid()));
        Assert.Empty(new MemberFile(Path.Combine(directory.Path, "gone")).Load(Guid.NewGuid()));
    }
}
