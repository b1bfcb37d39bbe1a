using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Cluster.Placement;
using PeerVault.Node.Cluster.Repair;
using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Net.Rpc;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster;

/// <summary>
/// Coordinates what a client asks of any node: a write goes to the key's placed replicas (this
/// node among them or not) and is acknowledged once the write quorum holds it durably; a delete is
/// a write of a tombstone; a read asks the placed replicas which version they hold, serves the
/// newest and repairs replicas that answered with an older one or none (listings are
/// <see cref="ClusterListing"/>'s). Versions come from this node's hybrid logical clock, past the newest
/// version a read quorum of the key's replicas holds (ObjectCoordinator.WriteVersions.cs). The transfers of a write
/// carry on after the client has its answer, so the remaining replicas still get their copy.
/// </summary>
public sealed partial class ObjectCoordinator(
    ObjectStore store,
    PlacementMap placement,
    MemberTable members,
    ReplicaClient replicas,
    HybridClock clock,
    ReplicationStatus status,
    StorageHealth storage,
    LocalRepair localRepair,
    ClusterReadiness readiness,
    ClusterOptions options,
    NodeTracing tracing,
    NodeMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<ObjectCoordinator> logger)
{
    /// <summary>
    /// Seals <paramref name="plaintext"/> and stores it on the key's replicas. With its length known
    /// (a request's Content-Length) the write is pipelined: each chunk is sealed once and goes to this
    /// node's copy and to every peer replica at the same time (<see cref="ReplicaFanOut"/>), so the
    /// transfers end about when the sealing does. Without it the object is sealed here first and then
    /// sent (the bytes' length must travel ahead of them).
    /// </summary>
    public Task<WriteReceipt> PutAsync(string key, Stream plaintext, long? length, CancellationToken cancellationToken)
        => PutAsync(key, plaintext, length, metadata: null, cancellationToken);

    /// <summary>
    /// As <see cref="PutAsync(string, Stream, long?, CancellationToken)"/>, with the version's
    /// <see cref="ObjectMetadata"/> from <paramref name="metadata"/>, asked once the last byte has been
    /// read (so it may carry what was computed from the bytes as they streamed, such as an MD5 ETag).
    /// </summary>
    public async Task<WriteReceipt> PutAsync(string key, Stream plaintext, long? length, Func<ObjectMetadata?>? metadata, CancellationToken cancellationToken)
    {
        using var activity = tracing.StartOperation("PutObject", key);
        readiness.ThrowIfJoining();
        storage.ThrowIfUnwritable();
        var targets = placement.ReplicasOf(KeyPartition.Of(key));

        // Asked while the body arrives; the version is taken once both are done.
        var floor = NewestVersionAsync(key, cancellationToken);
        var (entry, receipt) = length is { } known && targets.Any(m => !m.IsSelf)
            ? await PutPipelinedAsync(key, plaintext, known, targets, floor, metadata, cancellationToken)
            : await PutSealedFirstAsync(key, plaintext, targets, floor, metadata, cancellationToken);
        metrics.Stored(entry.Size);
        activity?.SetTag("peervault.object_id", entry.BlobId);
        activity?.SetTag("peervault.bytes", entry.Size);
        activity?.SetTag("peervault.replicas", receipt.Replicas.Count);
        if (receipt.Replicas.Count < receipt.Required)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "write quorum not reached");
        }

        metrics.ObjectStored("client");
        return new WriteReceipt(key, entry.BlobId!, entry.Size, entry.Version, receipt.Replicas, receipt.Placement, receipt.Required, receipt.Failures) { Metadata = entry.Metadata };
    }

    private async Task<(IndexEntry Entry, WriteResult Receipt)> PutSealedFirstAsync(string key, Stream plaintext, IReadOnlyList<Member> targets, Task<VersionFloor> floor, Func<ObjectMetadata?>? metadata, CancellationToken cancellationToken)
    {
        var (blob, lease) = await store.SealAsync(plaintext, cancellationToken);
        IndexEntry entry;
        try
        {
            entry = NewEntry(key, blob.Id, blob.Size, blob.SealedLength, await floor, metadata);
        }
        catch
        {
            // Nothing references the sealed blob: the sweep removes it once the lease is gone.
            lease.Dispose();
            throw;
        }

        var receipt = await WriteAsync(
            entry,
            targets,
            local: () => store.ApplyAsync(entry),
            remote: (member, token) => replicas.StoreReplicaAsync(member, entry, token),
            lease,
            cancellationToken);
        return (entry, receipt);
    }

    private async Task<(IndexEntry Entry, WriteResult Receipt)> PutPipelinedAsync(string key, Stream plaintext, long length, IReadOnlyList<Member> targets, Task<VersionFloor> floor, Func<ObjectMetadata?>? metadata, CancellationToken cancellationToken)
    {
        var sealedLength = ObjectCipher.SealedLength(length, store.Cipher.ChunkSize);

        // Not the request's token: a client that hangs up after the last byte must not cut a replica off half-way.
        var stopping = lifetime.ApplicationStopping;
        string? objectId = null;
        var lanes = targets.Where(m => !m.IsSelf)
            .Select(member => ReplicaFanOut.Lane.Start(member, stream => replicas.ReplicateAsync(member, key, length, sealedLength, stream, () => Volatile.Read(ref objectId), stopping)))
            .ToList();
        using var local = targets.Any(m => m.IsSelf) ? store.Blobs.CreateWriter() : null;
        await using var fanOut = new ReplicaFanOut(local, lanes);
        IndexEntry entry;
        try
        {
            var size = await store.Cipher.SealAsync(plaintext, fanOut, cancellationToken);
            if (size != length || fanOut.Length != sealedLength)
            {
                throw new IOException($"The body of '{key}' was {size} bytes where {length} were announced.");
            }

            entry = NewEntry(key, fanOut.Id(), size, sealedLength, await floor, metadata);
            Volatile.Write(ref objectId, entry.BlobId);
            await fanOut.FinishAsync(EntryTrailer.Encode(entry.ToWire()), cancellationToken);
        }
        catch (Exception ex)
        {
            // Nothing was acknowledged: every replica drops what it received. The transfers end on
            // their own (a peer that stopped reading is closed by the idle timeout); the client's
            // answer does not wait for them.
            await fanOut.AbortAsync(ex);
            _ = fanOut.AllTransfers().ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }

        var receipt = await WriteAsync(
            entry,
            targets,
            local: () => store.KeepSealedAsync(local!, entry),
            remote: (member, _) => fanOut.TransferTo(member) ?? throw new MemberUnreachableException(member.Name),
            lease: null,
            cancellationToken);
        return (entry, receipt);
    }

    private IndexEntry NewEntry(string key, BlobId blob, long size, long sealedLength, VersionFloor floor, Func<ObjectMetadata?>? metadata)
    {
        var described = metadata?.Invoke();
        var version = Stamp(key, floor);
        return new IndexEntry
        {
            Key = key,
            BlobId = blob.Value,
            Size = size,
            SealedLength = sealedLength,
            Version = version,
            UpdatedAt = version.WallTime,
            Metadata = described,
        };
    }

    /// <summary>Writes a tombstone for the key to its replicas.</summary>
    public async Task<DeleteReceipt> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        using var activity = tracing.StartOperation("DeleteObject", key);
        readiness.ThrowIfJoining();
        storage.ThrowIfUnwritable();
        var floor = await NewestVersionAsync(key, cancellationToken);
        var tombstone = IndexEntry.Tombstone(key, Stamp(key, floor));
        var receipt = await WriteAsync(
            tombstone,
            placement.ReplicasOf(KeyPartition.Of(key)),
            local: () => store.ApplyTombstoneAsync(tombstone),
            remote: async (member, token) => (await replicas.StoreTombstoneAsync(member, tombstone, token)).Outcome,
            lease: null,
            cancellationToken,
            waitForAll: true);

        // Whether the delete found an object is what the read quorum said was newest, not what each
        // replica held when the tombstone came: a PUT racing the delete may already have replaced
        // the object everywhere (the tombstone, older, changes nothing), yet the delete came after
        // an acknowledged write and deleted it; and a replica that missed an earlier acknowledged
        // delete still holds a live copy of a key that is gone.
        return new DeleteReceipt(key, tombstone.Version, receipt.Replicas, receipt.Placement, receipt.Required, floor.NewestIsLive, receipt.Failures);
    }

    /// <summary>
    /// Sends one entry to every placed replica and returns once the write quorum holds it (or every
    /// attempt has ended). With <paramref name="waitForAll"/> it waits for every answer (a delete
    /// needs them to say whether the key existed), bounded by the request timeout.
    /// </summary>
    private async Task<WriteResult> WriteAsync(
        IndexEntry entry,
        IReadOnlyList<Member> targets,
        Func<Task<ApplyOutcome>> local,
        Func<Member, CancellationToken, Task<string>> remote,
        IDisposable? lease,
        CancellationToken cancellationToken,
        bool waitForAll = false)
    {
        var partition = KeyPartition.Of(entry.Key);
        var required = placement.WriteQuorum;
        var acknowledged = new List<string>();
        var failures = new List<string>();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        void Acknowledge(string name)
        {
            lock (acknowledged)
            {
                acknowledged.Add(name);
                if (acknowledged.Count >= required)
                {
                    enough.TrySetResult();
                }
            }
        }

        if (targets.Any(m => m.IsSelf))
        {
            await local();
            Acknowledge(members.Self.Name);
        }

        // Not the request's token: a client that hangs up must not cut a replica off half-way.
        var stopping = lifetime.ApplicationStopping;
        var transfers = targets.Where(m => !m.IsSelf).Select(async member =>
        {
            try
            {
                await remote(member, stopping);
                status.MarkInSync(partition, member.Id);
                Acknowledge(member.Name);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
            {
                status.MarkOutOfSync(partition, member.Id);
                lock (acknowledged)
                {
                    failures.Add($"{member.Name}: {Describe(ex)}");
                }

                if (ex is Net.Rpc.PeerRequestException { Code: Net.Rpc.PeerError.KeyMismatch })
                {
                    LogKeyMismatch(entry.Key, member.Name, ex.Message);
                }
                else if (ex is MemberUnreachableException)
                {
                    // Membership already says the member is away; one line per write would flood.
                    LogReplicaSkipped(entry.Key, member.Name);
                }
                else
                {
                    LogReplicaFailed(entry.Key, member.Name, ex.Message);
                }
            }
        }).ToList();

        var all = Task.WhenAll(transfers);
        if (lease is not null)
        {
            _ = all.ContinueWith(_ => lease.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        if (waitForAll)
        {
            await all.WaitAsync(options.RequestTimeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        else
        {
            await Task.WhenAny(enough.Task, all).WaitAsync(cancellationToken);
        }

        lock (acknowledged)
        {
            return new WriteResult([.. acknowledged], [.. targets.Select(m => m.Name)], required, [.. failures]);
        }
    }

    /// <summary>
    /// Serves the newest version of <paramref name="key"/> any reachable replica holds into
    /// <paramref name="sink"/>, verifying every chunk; repairs replicas that hold an older version
    /// or none. A copy that fails verification (or a source that fails) before any byte went out is
    /// set aside and another replica's served; one that fails mid-response is continued from another
    /// replica at the same plaintext offset, so the client gets one whole, correct body. A local copy
    /// that failed is quarantined and restored from a replica.
    /// </summary>
    public async Task<ReadOutcome> ReadAsync(string key, IObjectSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        using var activity = tracing.StartOperation("GetObject", key);
        readiness.ThrowIfJoining();
        var problems = new List<string>();
        var excluded = new HashSet<Guid>();
        var wide = false;
        ObjectVersion? newestSeen = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var view = await ResolveAsync(key, excluded, wide, cancellationToken);
            problems.AddRange(view.Problems);
            if (!view.HasReadQuorum)
            {
                // Fewer placed replicas answered than a read needs: the newest acknowledged write may
                // be on the ones that did not, so whatever the others hold could be stale.
                return new ReadOutcome(ReadStatus.Unavailable, null, problems);
            }

            if (newestSeen is { } seen && (view.Newest is null || view.Newest.Version < seen))
            {
                // The copies of the newest version all failed verification; what is left is older,
                // and serving it would be a stale read.
                return new ReadOutcome(ReadStatus.NoIntactCopy, null, problems);
            }

            newestSeen = view.Newest?.Version;

            if (view.Newest is not { Deleted: false } newest)
            {
                return new ReadOutcome(ReadStatus.NotFound, view.Newest, problems);
            }

            Repair(key, view);
            activity?.SetTag("peervault.object_id", newest.BlobId);
            var source = await SourceAsync(key, newest, view, problems, cancellationToken);
            if (source is null && !wide)
            {
                // The holders a read quorum named all failed: the replicas not asked may hold it too.
                wide = true;
                view = await ResolveAsync(key, excluded, wide, cancellationToken);
                problems.AddRange(view.Problems);
                if (view.Newest is { Deleted: false } widened)
                {
                    Repair(key, view);
                    newest = widened;
                    source = await SourceAsync(key, newest, view, problems, cancellationToken);
                }
            }

            if (source is null)
            {
                return new ReadOutcome(problems.Count > 0 ? ReadStatus.NoIntactCopy : ReadStatus.Unavailable, newest, problems);
            }

            activity?.SetTag("peervault.served_by", source.Name);
            if (source.Entry.Version > newest.Version)
            {
                // The holder was overwritten after it answered: it sends its newer version (a write
                // concurrent with this read), and that is what the response must describe.
                newest = source.Entry;
            }

            try
            {
                if (sink.Begin(newest, source.Name) is not { } target)
                {
                    await source.DisposeAsync();
                    ScheduleKeep(source, newest);
                    return new ReadOutcome(ReadStatus.Served, newest, problems);
                }

                await using (source)
                {
                    var output = new CountingWriteStream(target.Body);
                    var sealedInput = source.Sealed;
                    if (source.Keep && target.WholeObject && TryBeginCopy(key, source) is { } keeping)
                    {
                        // Kept from the same pass that verifies and serves it: the client waits for no staging.
                        source.Copy = keeping;
                        sealedInput = keeping;
                    }

                    try
                    {
                        var size = target.WholeObject
                            ? await store.Cipher.OpenAsync(sealedInput, output, cancellationToken)
                            : await store.Cipher.OpenRangeAsync(sealedInput, target.Offset, target.Count, output, cancellationToken);
                        if (source.Copy is { } copy)
                        {
                            await KeepAsync(key, source.Name, copy, size);
                        }
                        else
                        {
                            ScheduleKeep(source, newest);
                        }
                    }
                    catch (Exception ex) when (sink.HasStarted && !cancellationToken.IsCancellationRequested && (ex is ObjectIntegrityException || (ex is IOException && !output.WriteFailed)))
                    {
                        // Bytes are out: the status cannot change, so the rest must come from elsewhere.
                        NodeTracing.Fail(activity, ex);
                        ScheduleKeep(source, newest);
                        await ResumeAsync(key, newest, view, source, ex, target, output, problems, cancellationToken);
                        activity?.SetTag("peervault.resumed", true);
                    }

                    metrics.Served(output.Written);
                }

                return new ReadOutcome(ReadStatus.Served, newest, problems);
            }
            catch (ObjectIntegrityException ex)
            {
                NodeTracing.Fail(activity, ex);
                problems.Add($"{source.Name}: {ex.Message}");
                if (source.Member.IsSelf)
                {
                    store.Quarantine(newest, ex);
                }

                excluded.Add(source.Member.Id);
                wide = true;
                if (sink.HasStarted)
                {
                    throw;
                }

                sink.Reset();
                LogRefetching(key, source.Name);
            }
        }

        return new ReadOutcome(ReadStatus.NoIntactCopy, null, problems);
    }

    /// <summary>
    /// Continues a response whose source failed after <paramref name="output"/> had sent some bytes:
    /// reads the rest from another holder of the same blob, starting at the chunk that holds the next
    /// byte (a range read on the peer wire), verifying as ever. A failed local copy is quarantined and
    /// restored. Throws <see cref="ObjectIntegrityException"/> when no holder can finish it (the
    /// response is then cut: a client sees a truncated transfer, never wrong bytes).
    /// </summary>
    private async Task ResumeAsync(string key, IndexEntry newest, ReplicaView view, ObjectSource failed, Exception fault, ObjectSinkTarget target, CountingWriteStream output, List<string> problems, CancellationToken cancellationToken)
    {
        problems.Add($"{failed.Name}: {fault.Message}");
        if (failed.Member.IsSelf)
        {
            if (fault is ObjectIntegrityException)
            {
                store.Quarantine(newest, fault);
            }

            localRepair.Schedule(newest);
        }

        var end = target.WholeObject ? newest.Size : target.Offset + target.Count;

        // Every replica that may hold these bytes, not only those a read quorum asked.
        var holders = (await ResolveAsync(key, [failed.Member.Id], wide: true, cancellationToken)).Holders.Concat(view.Holders).DistinctBy(m => m.Id);
        foreach (var holder in holders.Where(m => !m.IsSelf && m.Id != failed.Member.Id))
        {
            var offset = target.Offset + output.Written;
            LogResuming(key, failed.Name, offset, holder.Name, fault.Message);
            try
            {
                var (entry, chunksOmitted, body) = await replicas.FetchFromAsync(holder, key, newest.Version, offset, cancellationToken);
                await using var stream = body.AsStream();
                if (entry.BlobId != newest.BlobId)
                {
                    // A newer version's bytes do not continue this one's.
                    problems.Add($"{holder.Name}: holds a newer version");
                    continue;
                }

                await store.Cipher.OpenRangeAsync(stream, chunksOmitted, offset, end - offset, output, cancellationToken);
                metrics.ReadFailover("resumed");
                return;
            }
            catch (Exception ex) when ((ex is IOException && !output.WriteFailed) || ex is ObjectIntegrityException or TimeoutException or InvalidEntryException or VersionFromFutureException)
            {
                problems.Add($"{holder.Name}: {ex.Message}");
                LogFetchFailed(key, holder.Name, ex.Message);
            }
        }

        metrics.ReadFailover("aborted");
        throw new ObjectIntegrityException($"No replica could continue '{key}' from byte {target.Offset + output.Written}.");
    }

    /// <summary>
    /// The newest version of the key the reachable replicas hold (for HEAD: no bytes move). With
    /// <paramref name="verify"/>, a copy is also read whole and verified: this node's own first; if it
    /// fails it is quarantined and restored (which verifies the replica's copy on its way in), or, on a
    /// node not placed to keep the key, a replica's copy is verified as it streams by.
    /// </summary>
    public async Task<ReadOutcome> HeadAsync(string key, bool verify, CancellationToken cancellationToken)
    {
        using var activity = tracing.StartOperation("HeadObject", key);
        readiness.ThrowIfJoining();
        // Verifying may have to read a replica's copy: it needs every holder, not a quorum's.
        var view = await ResolveAsync(key, [], wide: verify, cancellationToken);
        if (!view.HasReadQuorum)
        {
            return new ReadOutcome(ReadStatus.Unavailable, null, view.Problems);
        }

        Repair(key, view);
        if (view.Newest is not { Deleted: false } newest)
        {
            return new ReadOutcome(ReadStatus.NotFound, view.Newest, view.Problems);
        }

        if (!verify)
        {
            return new ReadOutcome(ReadStatus.Served, newest, view.Problems);
        }

        var problems = new List<string>(view.Problems);
        var localCopy = "none";
        if (view.Holders.Any(m => m.IsSelf))
        {
            try
            {
                await store.VerifyAsync(newest, afterRead: null, cancellationToken);
                return new ReadOutcome(ReadStatus.Served, newest, problems) { VerifiedBy = "local", LocalCopy = "ok" };
            }
            catch (ObjectIntegrityException ex)
            {
                NodeTracing.Fail(activity, ex);
                problems.Add($"local: {ex.Message}");
                store.Quarantine(newest, ex);
                localCopy = "quarantined";
            }
            catch (FileNotFoundException)
            {
                // Quarantined meanwhile by another read: restored below like a missing one.
            }
        }

        if (placement.IsReplica(KeyPartition.Of(key), members.SelfId) && storage.IsWritable)
        {
            if (await localRepair.RestoreAsync(newest, cancellationToken) is { } from)
            {
                return new ReadOutcome(ReadStatus.Served, newest, problems) { VerifiedBy = from, LocalCopy = "restored" };
            }
        }

        foreach (var holder in view.Holders.Where(m => !m.IsSelf))
        {
            try
            {
                var (entry, body) = await replicas.FetchAsync(holder, key, newest.Version, cancellationToken);
                await using var stream = body.AsStream();
                await store.VerifySealedAsync(entry, stream, afterRead: null, cancellationToken);
                return new ReadOutcome(ReadStatus.Served, entry, problems) { VerifiedBy = holder.Name, LocalCopy = localCopy };
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or ObjectIntegrityException or InvalidEntryException or VersionFromFutureException)
            {
                problems.Add($"{holder.Name}: {ex.Message}");
                LogFetchFailed(key, holder.Name, ex.Message);
            }
        }

        return new ReadOutcome(problems.Count > 0 ? ReadStatus.NoIntactCopy : ReadStatus.Unavailable, newest, problems) { LocalCopy = localCopy };
    }

    /// <summary>
    /// Asks the placed replicas (and this node) which version they hold. A narrow resolve asks only
    /// as many as the read quorum needs (R - W + 1 placed answers, this node's own among them, so
    /// they include a replica of every write a quorum acknowledged) and serves when they all agree
    /// on one version they hold; any failure, absence or disagreement asks the rest as well, so the
    /// answer is then the one asking every replica gives. A wide resolve asks every replica at once.
    /// </summary>
    private async Task<ReplicaView> ResolveAsync(string key, HashSet<Guid> excluded, bool wide, CancellationToken cancellationToken)
    {
        var targets = placement.ReplicasOf(key);
        var answers = new List<ReplicaAnswer>(targets.Count + 1);
        var problems = new List<string>();
        if (store.Index.TryGet(key, out var mine) || IsPlaced(targets, members.SelfId))
        {
            if (!excluded.Contains(members.SelfId))
            {
                answers.Add(new ReplicaAnswer(members.Self, mine, store.HoldsBlobOf(mine)));
            }
        }

        var remote = new List<Member>(targets.Count);
        foreach (var member in targets)
        {
            if (!member.IsSelf && !excluded.Contains(member.Id))
            {
                remote.Add(member);
            }
        }

        var asked = wide ? remote.Count : Math.Max(0, ReadQuorum(targets.Count) - CountPlaced(answers, targets));
        if (asked < remote.Count)
        {
            // Connected replicas first: one known to be away would only cost the read a timeout.
            remote.Sort((a, b) => replicas.IsConnected(b).CompareTo(replicas.IsConnected(a)));
        }

        await AskAsync(key, remote.Take(asked), answers, problems, cancellationToken);
        if (asked < remote.Count && !AgreeOnQuorum(answers, targets))
        {
            metrics.ReadWidened();
            await AskAsync(key, remote.Skip(asked), answers, problems, cancellationToken);
        }

        IndexEntry? newest = null;
        foreach (var answer in answers)
        {
            if (answer.Entry is { } entry && (newest is null || entry.Version > newest.Version))
            {
                newest = entry;
            }
        }

        var holders = new List<Member>();
        var stale = new List<Member>();
        if (newest is not null)
        {
            foreach (var answer in answers)
            {
                if (answer.Entry?.Version == newest.Version && answer.HasBlob)
                {
                    holders.Add(answer.Member);
                }

                if (IsPlaced(targets, answer.Member.Id) && (answer.Entry is null || answer.Entry.Version < newest.Version))
                {
                    stale.Add(answer.Member);
                }
            }
        }

        // Excluded members answered earlier in this read (their copies then failed verification):
        // they still count towards the quorum, or a read of an object whose every copy is damaged
        // would end "unreachable" instead of "no intact copy".
        var placedExcluded = targets.Count(m => excluded.Contains(m.Id));
        return new ReplicaView(newest, holders, stale, CountPlaced(answers, targets) + placedExcluded >= ReadQuorum(targets.Count), problems);
    }

    /// <summary>Placed answers a read needs so that they include a replica of every write a write quorum acknowledged.</summary>
    private int ReadQuorum(int placed) => Math.Min(placed, placement.ReadQuorum);

    /// <summary>
    /// Whether a narrow resolve may serve: a read quorum of placed replicas answered, and every
    /// answer (this node's, placed or not, among them) holds the same version, a live one with its blob.
    /// </summary>
    private bool AgreeOnQuorum(List<ReplicaAnswer> answers, IReadOnlyList<Member> targets)
    {
        if (CountPlaced(answers, targets) < ReadQuorum(targets.Count))
        {
            return false;
        }

        var first = answers.Count > 0 ? answers[0].Entry : null;
        foreach (var answer in answers)
        {
            if (answer.Entry is null || answer.Entry.Version != first!.Version || !(answer.Entry.Deleted || answer.HasBlob))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Asks <paramref name="members"/> for their entry at once; adds the answers of those still connected, and the problems.</summary>
    private async Task AskAsync(string key, IEnumerable<Member> members, List<ReplicaAnswer> answers, List<string> problems, CancellationToken cancellationToken)
    {
        var asks = new List<Task<(Member Member, IndexEntry? Entry, bool HasBlob, bool Answered, string? Problem)>>();
        foreach (var member in members)
        {
            asks.Add(AskAsync(key, member, cancellationToken));
        }

        if (asks.Count == 0)
        {
            return;
        }

        foreach (var (member, entry, hasBlob, answered, problem) in await Task.WhenAll(asks))
        {
            if (problem is not null)
            {
                problems.Add(problem);
            }
            else if (answered && replicas.IsConnected(member))
            {
                answers.Add(new ReplicaAnswer(member, entry, hasBlob));
            }
        }
    }

    private async Task<(Member Member, IndexEntry? Entry, bool HasBlob, bool Answered, string? Problem)> AskAsync(string key, Member member, CancellationToken cancellationToken)
    {
        try
        {
            var (entry, hasBlob) = await replicas.GetEntryAsync(member, key, options.ReadVersionTimeout, cancellationToken);
            return (member, entry, hasBlob, true, null);
        }
        catch (VersionFromFutureException ex)
        {
            metrics.VersionRefused("read");
            LogFutureVersion(key, member.Name, ex.Message);
            return (member, null, false, false, $"{member.Name}: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or InvalidEntryException)
        {
            // Could not say (unreachable, paused, a bad entry): not an answer. It may hold the newest
            // version, so it neither counts towards the read quorum nor as holding none; in a narrow
            // resolve the quorum is then short, so the rest are asked.
            return (member, null, false, false, null);
        }
    }

    private static bool IsPlaced(IReadOnlyList<Member> targets, Guid id)
    {
        foreach (var target in targets)
        {
            if (target.Id == id)
            {
                return true;
            }
        }

        return false;
    }

    private static int CountPlaced(List<ReplicaAnswer> answers, IReadOnlyList<Member> targets)
    {
        var placed = 0;
        foreach (var answer in answers)
        {
            if (IsPlaced(targets, answer.Member.Id))
            {
                placed++;
            }
        }

        return placed;
    }

    /// <summary>
    /// Opens the newest copy: this node's, else a holder's, streamed through. When this node is a
    /// placed replica that lacks it (and can store), the source says so, and the read keeps the bytes
    /// it verifies on their way to the client.
    /// </summary>
    private async Task<ObjectSource?> SourceAsync(string key, IndexEntry newest, ReplicaView view, List<string> problems, CancellationToken cancellationToken)
    {
        if (view.Holders.FirstOrDefault(m => m.IsSelf) is { } self)
        {
            try
            {
                return new ObjectSource(self, "local", newest, store.OpenSealedToServe(newest), keep: false);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                // Removed since the index was read: a newer write replaced it (or the directory went);
                // another holder's copy, or a wider resolve, serves the read.
                LogFetchFailed(key, self.Name, "the local copy was removed while the read was resolving");
            }
        }

        var keep = placement.IsReplica(KeyPartition.Of(key), members.SelfId) && storage.IsWritable;
        foreach (var holder in view.Holders.Where(m => !m.IsSelf))
        {
            try
            {
                var (entry, body) = await replicas.FetchAsync(holder, key, newest.Version, cancellationToken);
                return new ObjectSource(holder, holder.Name, entry, body.AsStream(), keep);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or ObjectIntegrityException or InvalidEntryException or VersionFromFutureException)
            {
                if (ex is ObjectIntegrityException)
                {
                    problems.Add($"{holder.Name}: {ex.Message}");
                }

                LogFetchFailed(key, holder.Name, ex.Message);
            }
        }

        return null;
    }

    /// <summary>Keeps the copy a whole-object read verified on its way through; a failure only loses the copy.</summary>
    private async Task KeepAsync(string key, string sourceName, ReplicaCopyStream copy, long size)
    {
        try
        {
            // Not the request's token: the client has every byte; only the copy is left to finish.
            await store.KeepCopyAsync(copy, size, CancellationToken.None);
            metrics.Replicated(copy.Announced.SealedLength, "received");
            metrics.ObjectStored("replica");
            status.Repaired(copy.Announced.SealedLength);
            LogKept(key, sourceName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectIntegrityException)
        {
            storage.ReportFault(ex);
            LogNotKept(key, sourceName, ex.Message);
        }
    }

    /// <summary>
    /// Starts keeping a copy of what a read fetches from a peer, or null when this node's storage
    /// cannot take it (its data directory just vanished, say): the read is served all the same,
    /// and the fault reported so the node turns storage-unavailable.
    /// </summary>
    private ReplicaCopyStream? TryBeginCopy(string key, ObjectSource source)
    {
        try
        {
            return store.BeginCopy(source.Entry, source.Sealed);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            storage.ReportFault(ex);
            LogNotKept(key, source.Name, ex.Message);
            return null;
        }
    }

    /// <summary>A read that should leave a copy here but cannot keep its own bytes (a range, a failover) has one pulled in the background.</summary>
    private void ScheduleKeep(ObjectSource source, IndexEntry newest)
    {
        if (source.Keep)
        {
            localRepair.Schedule(newest);
        }
    }

    /// <summary>Read repair: pushes the newest version to replicas that answered with an older one or none (in the background).</summary>
    private void Repair(string key, ReplicaView view)
    {
        if (view.Newest is not { } newest || view.Stale.Count == 0)
        {
            return;
        }

        var partition = KeyPartition.Of(key);
        var stopping = lifetime.ApplicationStopping;
        foreach (var member in view.Stale.Where(m => !m.IsSelf))
        {
            _ = Task.Run(
                async () =>
                {
                    try
                    {
                        // Only what this node holds itself can be pushed; anti-entropy covers the rest.
                        if (newest.Deleted)
                        {
                            await replicas.StoreTombstoneAsync(member, newest, stopping);
                        }
                        else if (store.Index.TryGet(key, out var mine) && mine.Version == newest.Version && store.TryGetLocal(key, out _))
                        {
                            await replicas.StoreReplicaAsync(member, newest, stopping);
                        }
                        else
                        {
                            return;
                        }

                        metrics.Repaired(newest.SealedLength, "pushed");
                        status.MarkInSync(partition, member.Id);
                        LogReadRepair(key, member.Name);
                    }
                    catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
                    {
                        LogReplicaFailed(key, member.Name, ex.Message);
                    }
                },
                CancellationToken.None);
        }

        if (view.Stale.Any(m => m.IsSelf) && newest.Deleted)
        {
            _ = ApplyLocalTombstoneAsync(newest);
        }
    }

    /// <summary>Read repair of this node's own copy of a delete, off the reader's path.</summary>
    private async Task ApplyLocalTombstoneAsync(IndexEntry tombstone)
    {
        try
        {
            await store.ApplyTombstoneAsync(tombstone);
        }
        catch (IOException ex)
        {
            LogReplicaFailed(tombstone.Key, members.Self.Name, ex.Message);
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        Net.Rpc.PeerRequestException request => request.Code,
        MemberUnreachableException => "unreachable",
        TimeoutException => "timed out",
        OperationCanceledException => "cancelled",
        _ => "connection lost",
    };

    private sealed record WriteResult(IReadOnlyList<string> Replicas, IReadOnlyList<string> Placement, int Required, IReadOnlyList<string> Failures);

    /// <summary>
    /// What the replicas asked said: the newest entry, who holds its blob, who is behind, and whether
    /// enough placed replicas answered (<see cref="ReadQuorum"/>) for the newest to be the newest any
    /// write quorum acknowledged.
    /// </summary>
    private sealed record ReplicaView(IndexEntry? Newest, IReadOnlyList<Member> Holders, IReadOnlyList<Member> Stale, bool HasReadQuorum, IReadOnlyList<string> Problems);

    /// <summary>What one replica said it holds of a key: its entry (null: none) and whether its blob is on disk.</summary>
    private readonly record struct ReplicaAnswer(Member Member, IndexEntry? Entry, bool HasBlob);

    /// <summary>
    /// Where the sealed bytes of a read come from, as <paramref name="entry"/> announces them, and
    /// whether this node should keep them (a placed replica that lacks the object).
    /// </summary>
    private sealed class ObjectSource(Member member, string name, IndexEntry entry, Stream @sealed, bool keep) : IAsyncDisposable
    {
        public Member Member { get; } = member;

        public string Name { get; } = name;

        public IndexEntry Entry { get; } = entry;

        public Stream Sealed { get; } = @sealed;

        public bool Keep { get; } = keep;

        /// <summary>The copy being kept from this read, if it reads the whole object.</summary>
        public ReplicaCopyStream? Copy { get; set; }

        public async ValueTask DisposeAsync()
        {
            if (Copy is not null)
            {
                await Copy.DisposeAsync();
            }

            await Sealed.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replicating {Key} to {PeerName} failed: {Error}")]
    private partial void LogReplicaFailed(string key, string peerName, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Not replicating {Key} to {PeerName}: not connected; repair will bring it later")]
    private partial void LogReplicaSkipped(string key, string peerName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Peer {PeerName} refused replica of {Key}: cluster key id mismatch ({Detail})")]
    private partial void LogKeyMismatch(string key, string peerName, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fetching {Key} from {PeerName} failed: {Error}")]
    private partial void LogFetchFailed(string key, string peerName, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Copy of {Key} from {Source} failed verification; reading another replica's")]
    private partial void LogRefetching(string key, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Read of {Key}: the copy from {Source} failed at byte {Offset} ({Error}); continuing the same response from {PeerName}")]
    private partial void LogResuming(string key, string source, long offset, string peerName, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Read of {Key}: the copy from {PeerName} was served but not kept here: {Error}")]
    private partial void LogNotKept(string key, string peerName, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Read of {Key}: kept the verified copy from {PeerName} while serving it")]
    private partial void LogKept(string key, string peerName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Read repair sent the newest {Key} to {PeerName}")]
    private partial void LogReadRepair(string key, string peerName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused the version {PeerName} holds of {Key}: {Reason}")]
    private partial void LogFutureVersion(string key, string peerName, string reason);
}
