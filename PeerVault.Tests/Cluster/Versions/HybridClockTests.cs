using Microsoft.Extensions.Time.Testing;
using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Storage;

namespace PeerVault.Tests.Cluster.Versions;

[Trait("Category", "Unit")]
public sealed class HybridClockTests
{
    private static readonly Guid NodeA = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid NodeB = Guid.Parse("00000000-0000-0000-0000-00000000000b");

    [Fact]
    public void Readings_always_increase_even_when_the_wall_clock_stands_still_or_steps_back()
    {
        var time = new SteppingClock { Now = DateTimeOffset.Parse("2026-11-29T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture) };
        var clock = new HybridClock(time, NodeA, TimeSpan.FromMinutes(5));
        var first = clock.Now();
        var second = clock.Now();
        time.Now -= TimeSpan.FromSeconds(10);
        var third = clock.Now();
        time.Now += TimeSpan.FromSeconds(20);
        var fourth = clock.Now();

        Assert.True(first < second && second < third && third < fourth);
        Assert.Equal(first.WallMs, third.WallMs);
        Assert.Equal(2u, third.Counter);
        Assert.Equal(0u, fourth.Counter);
    }

    [Fact]
    public void Observing_a_remote_version_makes_the_next_local_one_newer()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-29T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var clock = new HybridClock(time, NodeA, TimeSpan.FromMinutes(5));
        var remote = new ObjectVersion(time.GetUtcNow().ToUnixTimeMilliseconds() + 60_000, 7, NodeB);

        clock.Observe(remote);

        Assert.True(clock.Now() > remote);
    }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(6 * 60_000)]
    public void A_version_further_ahead_than_the_skew_is_refused_and_the_clock_does_not_follow(long aheadMs)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-29T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var clock = new HybridClock(time, NodeA, TimeSpan.FromMinutes(5));
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var future = new ObjectVersion(aheadMs == long.MaxValue ? long.MaxValue : now + aheadMs, 0, NodeB);

        Assert.Throws<VersionFromFutureException>(() => clock.Observe(future));
        Assert.False(clock.IsAcceptable(future));
        Assert.True(clock.Now().WallMs <= now + 1);
    }

    [Fact]
    public void The_counter_never_overflows()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-29T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var clock = new HybridClock(time, NodeA, TimeSpan.FromMinutes(5));
        var wall = time.GetUtcNow().ToUnixTimeMilliseconds();
        clock.Observe(new ObjectVersion(wall, uint.MaxValue, NodeB));

        var next = clock.Now();

        Assert.Equal(new ObjectVersion(wall + 1, 0, NodeA), next);
    }

    [Fact]
    public void A_write_stamped_after_a_floor_from_a_faster_clock_is_the_floor_plus_one_tick()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-29T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var clock = new HybridClock(time, NodeB, TimeSpan.FromMinutes(5));
        var floor = new ObjectVersion(time.GetUtcNow().ToUnixTimeMilliseconds() + 20_000, 3, NodeA);

        var stamped = clock.NowAfter(floor);

        // NodeB > NodeA, but the order must not rest on the node id: the counter moves on.
        Assert.Equal(new ObjectVersion(floor.WallMs, 4, NodeB), stamped);
        Assert.True(clock.Now() > stamped, "the clock never issues a version at or below one it stamped");
    }

    [Fact]
    public void A_write_stamped_after_an_older_floor_is_the_clock_reading()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-29T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var clock = new HybridClock(time, NodeA, TimeSpan.FromMinutes(5));
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();

        Assert.Equal(new ObjectVersion(now, 0, NodeA), clock.NowAfter(new ObjectVersion(now - 20_000, 9, NodeB)));
        Assert.Equal(new ObjectVersion(now, 1, NodeA), clock.NowAfter(ObjectVersion.Zero));
    }

    [Fact]
    public void A_floor_at_the_counter_limit_moves_the_stamp_to_the_next_millisecond()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-29T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var clock = new HybridClock(time, NodeA, TimeSpan.FromMinutes(5));
        var floor = new ObjectVersion(time.GetUtcNow().ToUnixTimeMilliseconds() + 5, uint.MaxValue, NodeB);

        Assert.Equal(new ObjectVersion(floor.WallMs + 1, 0, NodeA), clock.NowAfter(floor));
    }

    [Fact]
    public void A_floor_beyond_the_allowed_skew_is_still_passed_so_the_write_replaces_it()
    {
        // Such a floor was accepted earlier by this node or a replica (its clock then agreed): a
        // write stamped below it would be acknowledged and never read.
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-29T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var clock = new HybridClock(time, NodeA, TimeSpan.FromMinutes(5));
        var floor = new ObjectVersion(time.GetUtcNow().ToUnixTimeMilliseconds() + 3_600_000, 0, NodeB);

        Assert.True(clock.NowAfter(floor) > floor);
    }
}

/// <summary>A wall clock that can be stepped back, as NTP does to a real one.</summary>
internal sealed class SteppingClock : TimeProvider
{
    public DateTimeOffset Now { get; set; }

    public override DateTimeOffset GetUtcNow() => Now;
}

[Trait("Category", "Unit")]
public sealed class ObjectVersionTests
{
    [Fact]
    public void Versions_order_by_wall_time_then_counter_then_node_and_their_text_sorts_the_same_way()
    {
        var nodeLow = Guid.Parse("10000000-0000-0000-0000-000000000000");
        var nodeHigh = Guid.Parse("f0000000-0000-0000-0000-000000000000");
        ObjectVersion[] ordered =
        [
            new(1000, 0, nodeHigh),
            new(1000, 1, nodeLow),
            new(1000, 1, nodeHigh),
            new(1001, 0, nodeLow),
            new(long.MaxValue >> 1, 0, nodeLow),
        ];

        var shuffled = ordered.Reverse().ToArray();
        Assert.Equal(ordered, shuffled.Order());
        Assert.Equal(ordered.Select(v => v.ToString()), shuffled.Select(v => v.ToString()).Order(StringComparer.Ordinal));
        Assert.All(ordered, v => Assert.True(ObjectVersion.TryParse(v.ToString(), out var parsed) && parsed == v));
    }

    [Theory]
    [InlineData("")]
    [InlineData("123")]
    [InlineData("000001a227f4e1ba.00000000.99fe10bc8a1b49be8b7ced5b4b331a1")]
    [InlineData("-00001a227f4e1ba.00000000.99fe10bc8a1b49be8b7ced5b4b331a1b")]
    [InlineData("000001a227f4e1ba-00000000.99fe10bc8a1b49be8b7ced5b4b331a1b")]
    public void Malformed_version_text_does_not_parse(string text) => Assert.False(ObjectVersion.TryParse(text, out _));
}
