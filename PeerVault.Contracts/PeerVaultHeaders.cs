namespace PeerVault.Contracts;

/// <summary>The response headers the API adds to object reads (GET and HEAD).</summary>
public static class PeerVaultHeaders
{
    /// <summary>The object's id (the SHA-256 of its sealed bytes), also its <c>ETag</c>.</summary>
    public const string ObjectId = "X-PeerVault-Object-Id";

    /// <summary>The version served (a hybrid logical clock: <c>{wall:x16}.{counter:x8}.{node}</c>).</summary>
    public const string Version = "X-PeerVault-Version";

    /// <summary><c>local</c>, or the member the answering node streamed the object from.</summary>
    public const string ServedBy = "X-PeerVault-Served-By";

    /// <summary>On <c>HEAD ?verify=true</c>: whose copy was read whole and verified (<c>local</c> or a member's name).</summary>
    public const string Verified = "X-PeerVault-Verified";

    /// <summary>On <c>HEAD ?verify=true</c>: the answering node's own copy: <c>ok</c>, <c>restored</c>, <c>quarantined</c> or <c>none</c>.</summary>
    public const string LocalCopy = "X-PeerVault-Local-Copy";
}
