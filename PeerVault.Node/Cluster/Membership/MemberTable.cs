using PeerVault.Node.Net.Rpc;

namespace PeerVault.Node.Cluster.Membership;

/// <summary>
/// Every member this node knows, merged from its own observations and what peers gossip. Gossip
/// carries who exists (ids, names, addresses, incarnations, removals); reachability is judged
/// locally from connections. Merge rules: a higher incarnation's description wins; removal is
/// permanent for an id; of two ids with the same name, the one created later replaces the other
/// (a node whose data directory was wiped comes back with a new id under its old name).
/// <see cref="Version"/> changes whenever something placement depends on changes.
/// </summary>
public sealed class MemberTable
{
    private readonly Dictionary<Guid, Member> _members = [];
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private long _version;

    public MemberTable(Member self, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(self);
        _time = time;
        SelfId = self.Id;
        _members[self.Id] = self with { IsSelf = true, State = MemberState.Alive };
    }

    public Guid SelfId { get; }

    public Member Self => Get(SelfId)!;

    /// <summary>Bumped on every change placement depends on (a member added, removed, dead or back).</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Raised after the placement-relevant membership changed.</summary>
    public event Action? Changed;

    public Member? Get(Guid id)
    {
        lock (_lock)
        {
            return _members.GetValueOrDefault(id);
        }
    }

    public IReadOnlyList<Member> Snapshot()
    {
        lock (_lock)
        {
            return [.. _members.Values.OrderBy(m => m.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>Members placement uses (every one not removed, self included, reachable or not), and how many there are.</summary>
    public (IReadOnlyList<Member> Placeable, int Members) PlacementView()
    {
        lock (_lock)
        {
            var placeable = _members.Values.Where(m => m.IsPlaceable).ToList();
            return (placeable, placeable.Count);
        }
    }

    public IReadOnlyList<WireMember> ToWire()
    {
        lock (_lock)
        {
            return [.. _members.Values.Select(m => new WireMember(m.Id, m.Name, m.Host, m.Port, m.Incarnation, m.JoinedAt, m.State == MemberState.Removed))];
        }
    }

    /// <summary>
    /// Merges a member a peer described. <paramref name="observedHost"/> is the address the peer was
    /// seen at, used when the record is the peer's own and it does not advertise a host.
    /// </summary>
    public void Merge(WireMember record, string? observedHost)
    {
        ArgumentNullException.ThrowIfNull(record);
        var changed = false;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (record.Id == SelfId)
            {
                var self = _members[SelfId];
                if (record.Removed && self.State != MemberState.Removed)
                {
                    _members[SelfId] = self with { State = MemberState.Removed, StateSince = now };
                    changed = true;
                }
                else if (record.Incarnation > self.Incarnation)
                {
                    // Someone remembers a later life of this id than ours: refute it.
                    _members[SelfId] = self with { Incarnation = record.Incarnation + 1 };
                }
            }
            else if (!_members.TryGetValue(record.Id, out var known))
            {
                _members[record.Id] = new Member(
                    record.Id, record.Name, record.Host ?? observedHost, record.Port, record.Incarnation, record.JoinedAt,
                    record.Removed ? MemberState.Removed : MemberState.Suspect, now, null, IsSelf: false);
                changed = true;
            }
            else if (record.Removed && known.State != MemberState.Removed)
            {
                _members[record.Id] = known with { State = MemberState.Removed, StateSince = now };
                changed = true;
            }
            else if (record.Incarnation > known.Incarnation || (known.Host is null && (record.Host ?? observedHost) is not null))
            {
                _members[record.Id] = known with
                {
                    Name = record.Name,
                    Host = record.Host ?? observedHost ?? known.Host,
                    Port = record.Port,
                    Incarnation = Math.Max(record.Incarnation, known.Incarnation),
                    JoinedAt = record.JoinedAt,
                };
            }

            changed |= RetireReplacedNames(now);
        }

        Announce(changed);
    }

    /// <summary>A session to the member is up: it is alive (added if gossip had not named it yet). Returns whether it was dead.</summary>
    public bool MarkConnected(Guid id, string name, string? observedHost)
    {
        var wasDead = false;
        var changed = false;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (!_members.TryGetValue(id, out var known))
            {
                _members[id] = new Member(id, name, observedHost, 0, 0, now, MemberState.Alive, now, now, IsSelf: false);
                changed = true;
            }
            else if (known.State != MemberState.Removed)
            {
                changed = wasDead = known.State == MemberState.Dead;
                _members[id] = known with { State = MemberState.Alive, StateSince = known.State == MemberState.Alive ? known.StateSince : now, LastSeen = now, Host = known.Host ?? observedHost };
            }

            changed |= RetireReplacedNames(now);
        }

        Announce(changed);
        return wasDead;
    }

    /// <summary>The member answered (gossip): it is alive, whatever was concluded before.</summary>
    public void MarkSeen(Guid id)
    {
        var changed = false;
        lock (_lock)
        {
            if (_members.TryGetValue(id, out var known) && !known.IsSelf && known.State != MemberState.Removed)
            {
                var now = _time.GetUtcNow();
                changed = known.State == MemberState.Dead;
                _members[id] = known with { LastSeen = now, State = MemberState.Alive, StateSince = known.State == MemberState.Alive ? known.StateSince : now };
            }
        }

        Announce(changed);
    }

    /// <summary>The session to the member ended: suspect until it comes back or is declared dead.</summary>
    public void MarkDisconnected(Guid id)
    {
        lock (_lock)
        {
            if (_members.TryGetValue(id, out var known) && known.State == MemberState.Alive && !known.IsSelf)
            {
                _members[id] = known with { State = MemberState.Suspect, StateSince = _time.GetUtcNow() };
            }
        }
    }

    /// <summary>Declares dead every member suspect for longer than <paramref name="deadAfter"/>; returns them.</summary>
    public IReadOnlyList<Member> Tick(TimeSpan deadAfter)
    {
        var dead = new List<Member>();
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            foreach (var member in _members.Values.Where(m => m.State == MemberState.Suspect && now - m.StateSince >= deadAfter).ToList())
            {
                dead.Add(_members[member.Id] = member with { State = MemberState.Dead, StateSince = now });
            }
        }

        Announce(dead.Count > 0);
        return dead;
    }

    /// <summary>An operator took the member out; returns false if it is unknown or this node.</summary>
    public bool Remove(Guid id)
    {
        lock (_lock)
        {
            if (id == SelfId || !_members.TryGetValue(id, out var known))
            {
                return false;
            }

            _members[id] = known with { State = MemberState.Removed, StateSince = _time.GetUtcNow() };
        }

        Announce(changed: true);
        return true;
    }

    /// <summary>This node's own incarnation and advertised address.</summary>
    public void UpdateSelf(Func<Member, Member> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_lock)
        {
            _members[SelfId] = update(_members[SelfId]) with { Id = SelfId, IsSelf = true };
        }
    }

    private bool RetireReplacedNames(DateTimeOffset now)
    {
        var changed = false;
        foreach (var group in _members.Values.Where(m => m.State != MemberState.Removed).GroupBy(m => m.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var newest = group.OrderByDescending(m => m.IsSelf).ThenByDescending(m => m.JoinedAt).First();
            foreach (var older in group.Where(m => m.Id != newest.Id && !m.IsSelf))
            {
                _members[older.Id] = older with { State = MemberState.Removed, StateSince = now };
                changed = true;
            }
        }

        return changed;
    }

    private void Announce(bool changed)
    {
        if (changed)
        {
            Interlocked.Increment(ref _version);
            Changed?.Invoke();
        }
    }
}
