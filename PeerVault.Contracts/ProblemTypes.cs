namespace PeerVault.Contracts;

/// <summary>
/// The stable <c>type</c> of every problem the API answers with (RFC 9457): the node writes them,
/// clients branch on them. A type never changes meaning; new ones may be added.
/// </summary>
public static class ProblemTypes
{
    /// <summary>What every type starts with.</summary>
    public const string Base = "https://peervault.dev/problems/";

    /// <summary>400: the key is not a valid object key (the detail names the reason).</summary>
    public const string BadKey = Base + "bad-key";

    /// <summary>400: a query parameter is out of range.</summary>
    public const string BadQuery = Base + "bad-query";

    /// <summary>400: the upload's body did not arrive whole; nothing was stored.</summary>
    public const string UploadIncomplete = Base + "upload-incomplete";

    /// <summary>401: no API key, or a wrong one.</summary>
    public const string Unauthorized = Base + "unauthorized";

    /// <summary>403: the API key lacks the scope the request needs.</summary>
    public const string Forbidden = Base + "forbidden";

    /// <summary>404: no such object (deleted or never stored).</summary>
    public const string NotFound = Base + "not-found";

    /// <summary>404: no such cluster member.</summary>
    public const string UnknownMember = Base + "unknown-member";

    /// <summary>413: larger than the node accepts.</summary>
    public const string TooLarge = Base + "too-large";

    /// <summary>500: the node failed unexpectedly; its log has the details under the problem's trace id.</summary>
    public const string Internal = Base + "internal";

    /// <summary>502: every copy the node could reach failed verification.</summary>
    public const string Integrity = Base + "integrity";

    /// <summary>503: fewer than W replicas acknowledged a write (the copies made are kept and repaired).</summary>
    public const string WriteQuorum = Base + "write-quorum";

    /// <summary>503 with Retry-After: too few of the replicas placed to hold the key answered (a read or listing needs R - W + 1 of them).</summary>
    public const string ReplicasUnreachable = Base + "replicas-unreachable";

    /// <summary>503 with Retry-After: the node has not heard from its cluster since it started and coordinates nothing yet.</summary>
    public const string Joining = Base + "joining";

    /// <summary>503 with <c>Retry-After</c>: this node's data directory cannot take writes right now; another node can.</summary>
    public const string StorageUnavailable = Base + "storage-unavailable";

    /// <summary>507: the node's disk is full; nothing was changed.</summary>
    public const string DiskFull = Base + "disk-full";
}
