using PeerVault.Contracts;

namespace PeerVault.Client;

/// <summary>
/// A request PeerVault refused or could not carry out. The node's answer, when there was one, is
/// in <see cref="Status"/>, <see cref="ProblemType"/> (a <see cref="ProblemTypes"/> value) and
/// <see cref="Problem"/>; the subclasses name the cases a caller branches on.
/// </summary>
public class PeerVaultException : Exception
{
    public PeerVaultException()
    {
    }

    public PeerVaultException(string message)
        : base(message)
    {
    }

    public PeerVaultException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal PeerVaultException(string message, int? status, ApiProblem? problem, Uri? endpoint, Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status;
        Problem = problem;
        Endpoint = endpoint;
    }

    /// <summary>The HTTP status the node answered with, if it answered.</summary>
    public int? Status { get; }

    /// <summary>The problem details the node answered with (RFC 9457), if any.</summary>
    public ApiProblem? Problem { get; }

    /// <summary>The problem's <c>type</c> (see <see cref="ProblemTypes"/>).</summary>
    public string? ProblemType => Problem?.Type;

    /// <summary>The node that answered.</summary>
    public Uri? Endpoint { get; }

    /// <summary>The trace id an internal error (500) is logged under on the node.</summary>
    public string? TraceId => Problem?.TraceId;
}

/// <summary>404: no object with that key (deleted or never stored); for a DELETE, the key did not exist when the delete began (the tombstone is written anyway).</summary>
public sealed class PeerVaultNotFoundException : PeerVaultException
{
    public PeerVaultNotFoundException()
    {
    }

    public PeerVaultNotFoundException(string message)
        : base(message)
    {
    }

    public PeerVaultNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal PeerVaultNotFoundException(string message, int? status, ApiProblem? problem, Uri? endpoint)
        : base(message, status, problem, endpoint)
    {
    }
}

/// <summary>401: no API key or a wrong one; 403 (<see cref="Forbidden"/>): a key without the scope the request needs.</summary>
public sealed class PeerVaultUnauthorizedException : PeerVaultException
{
    public PeerVaultUnauthorizedException()
    {
    }

    public PeerVaultUnauthorizedException(string message)
        : base(message)
    {
    }

    public PeerVaultUnauthorizedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal PeerVaultUnauthorizedException(string message, int? status, ApiProblem? problem, Uri? endpoint)
        : base(message, status, problem, endpoint)
    {
    }

    /// <summary>The key is valid but lacks the scope (read, write, admin) this request needs.</summary>
    public bool Forbidden => Status == 403;
}

/// <summary>
/// 503: the cluster cannot do it now. A write reached fewer replicas than its quorum
/// (<see cref="ProblemTypes.WriteQuorum"/>: the copies made are kept and repaired, so retrying is
/// safe), too few replicas placed to hold the key answered (<see cref="ProblemTypes.ReplicasUnreachable"/>),
/// the node is still joining its cluster (<see cref="ProblemTypes.Joining"/>), or the node's storage
/// refuses writes (<see cref="ProblemTypes.StorageUnavailable"/>); each with <see cref="RetryAfter"/>
/// where the node gave one.
/// </summary>
public sealed class PeerVaultUnavailableException : PeerVaultException
{
    public PeerVaultUnavailableException()
    {
    }

    public PeerVaultUnavailableException(string message)
        : base(message)
    {
    }

    public PeerVaultUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal PeerVaultUnavailableException(string message, int? status, ApiProblem? problem, Uri? endpoint, TimeSpan? retryAfter)
        : base(message, status, problem, endpoint) => RetryAfter = retryAfter;

    /// <summary>When the node asked to be retried (<c>Retry-After</c>), if it did.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>For a write below its quorum: how many replicas hold it durably.</summary>
    public int? Acknowledged => Problem?.Acknowledged;

    /// <summary>For a write below its quorum: how many it needed (W).</summary>
    public int? Required => Problem?.Required;

    /// <summary>For a write below its quorum: why each missing replica did not take it.</summary>
    public IReadOnlyList<string> Failures => Problem?.Failures ?? [];

    /// <summary>The node's own storage refused the write; another node can take it.</summary>
    public bool StorageUnavailable => ProblemType == ProblemTypes.StorageUnavailable;

    /// <summary>The node has not heard from its cluster since it started (<see cref="ProblemTypes.Joining"/>); another node can take the request.</summary>
    public bool Joining => ProblemType == ProblemTypes.Joining;

    /// <summary>
    /// Nothing was done, and another node may do it: the node is joining its cluster or its own
    /// storage refuses writes. (A write below its quorum is not: its copies were made.)
    /// </summary>
    public bool AnotherNodeMayServe => StorageUnavailable || Joining;
}

/// <summary>
/// 502: every copy the node could reach failed verification; or a download ended before the length
/// it announced (a node cuts the response when a copy fails verification after bytes went out, and
/// a broken connection looks the same). Never wrong bytes: the read stops instead.
/// </summary>
public sealed class PeerVaultIntegrityException : PeerVaultException
{
    public PeerVaultIntegrityException()
    {
    }

    public PeerVaultIntegrityException(string message)
        : base(message)
    {
    }

    public PeerVaultIntegrityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal PeerVaultIntegrityException(string message, int? status, ApiProblem? problem, Uri? endpoint, Exception? innerException = null)
        : base(message, status, problem, endpoint, innerException)
    {
    }
}

/// <summary>507: the node's disk is full; nothing was stored or changed.</summary>
public sealed class PeerVaultInsufficientStorageException : PeerVaultException
{
    public PeerVaultInsufficientStorageException()
    {
    }

    public PeerVaultInsufficientStorageException(string message)
        : base(message)
    {
    }

    public PeerVaultInsufficientStorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal PeerVaultInsufficientStorageException(string message, int? status, ApiProblem? problem, Uri? endpoint)
        : base(message, status, problem, endpoint)
    {
    }
}

/// <summary>
/// 400, 413 or 416: the node refused the request as invalid: a key it does not accept (the detail
/// names the character), a broken upload, an object too large, a range outside the object
/// (<see cref="ObjectSize"/> then says how large it is).
/// </summary>
public sealed class PeerVaultRequestException : PeerVaultException
{
    public PeerVaultRequestException()
    {
    }

    public PeerVaultRequestException(string message)
        : base(message)
    {
    }

    public PeerVaultRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal PeerVaultRequestException(string message, int? status, ApiProblem? problem, Uri? endpoint, long? objectSize)
        : base(message, status, problem, endpoint) => ObjectSize = objectSize;

    /// <summary>On 416: the object's size.</summary>
    public long? ObjectSize { get; }
}

/// <summary>No endpoint answered: each refused the connection, could not be resolved, or did not answer in time.</summary>
public sealed class PeerVaultUnreachableException : PeerVaultException
{
    public PeerVaultUnreachableException()
    {
    }

    public PeerVaultUnreachableException(string message)
        : base(message)
    {
    }

    public PeerVaultUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal PeerVaultUnreachableException(IReadOnlyList<EndpointFailure> failures, Exception? innerException)
        : base($"No PeerVault endpoint answered: {string.Join("; ", failures)}.", status: null, problem: null, endpoint: null, innerException) => Failures = failures;

    /// <summary>Each endpoint tried and why it failed.</summary>
    public IReadOnlyList<EndpointFailure> Failures { get; } = [];
}

/// <summary>Why one endpoint did not answer (<c>Connection refused (localhost:5001)</c>, <c>no answer within 15 s</c>).</summary>
public sealed record EndpointFailure(Uri Endpoint, string Reason)
{
    public override string ToString() => $"{Endpoint.GetLeftPart(UriPartial.Authority)}: {Reason}";
}
