package io.corral.protocol;

/**
 * Typed error codes on the wire. Clients branch on the code, never on the message text. Each code says whether
 * retrying the same request, unchanged, can succeed.
 */
public enum ErrorCode {
    /** The request is malformed or breaks a documented rule; retrying it unchanged fails again. */
    BAD_REQUEST(false),
    /** The peer speaks a protocol version this node does not. */
    UNSUPPORTED_VERSION(false),
    /** A frame, upload or request is larger than a configured limit. */
    TOO_LARGE(false),
    /** The named job, task, lock or member does not exist (a missing image is {@link #BLOB_MISSING}). */
    NOT_FOUND(false),
    /** The lock is held by someone else (try-acquire, or a wait that timed out). */
    LOCK_HELD(false),
    /** The fencing token is not the current one for this lock or lease. */
    STALE_TOKEN(false),
    /** A lease token is not the current one for this task (worker protocol). */
    STALE_LEASE(false),
    /** A submission refers to image bytes the cluster does not hold (upload them, then retry). */
    BLOB_MISSING(false),
    /** Uploaded bytes do not hash to the declared SHA-256. */
    HASH_MISMATCH(false),
    /** The operation conflicts with the current state (for example cancelling a finished job). */
    CONFLICT(false),
    /** The cluster has no leader or no quorum right now; retry later. */
    UNAVAILABLE(true),
    /** The request did not complete in time; its effect is unknown. */
    TIMEOUT(true),
    /** Too many requests in flight on this connection or node. */
    OVERLOADED(true),
    /** A bug or an unexpected failure on the server; the message says more. */
    INTERNAL(true),
    /**
     * The peer is not authenticated: the connection carries no token, or one this coordinator does not know, or its
     * TLS handshake failed (a certificate not trusted, expired or for another name, a client certificate missing).
     * Sent only by a coordinator with authentication or TLS on; the message names the cause, never the token.
     */
    UNAUTHENTICATED(false),
    /** The connection's token is valid but its role may not send this request (docs/protocol.md, the role table). */
    PERMISSION_DENIED(false);

    private final boolean retryable;

    ErrorCode(boolean retryable) {
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
