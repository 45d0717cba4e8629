package io.corral.cli;

import io.corral.protocol.ErrorCode;

/**
 * The process exit codes of {@code corral}. Scripts branch on these, so they are part of the command line's contract:
 * changing one is a breaking change (docs/cli.md lists them too).
 */
public final class ExitCodes {
    public static final int OK = 0;
    /** Any failure not covered by a more specific code (INTERNAL, CONFLICT, HASH_MISMATCH, a local I/O error...). */
    public static final int FAILURE = 1;
    /** The command line or its input is wrong: retrying it unchanged fails again. */
    public static final int USAGE = 2;

    public static final int NOT_FOUND = 3;
    /** The cluster could not answer (no quorum, timeout, overload, no coordinator reachable); retrying may work. */
    public static final int UNAVAILABLE = 4;

    public static final int LOCK_HELD = 5;
    public static final int STALE_TOKEN = 6;
    /** The cluster refused who we are: no or an unknown token, a role without the right, a failed TLS handshake. */
    public static final int NOT_AUTHORIZED = 7;

    /** The top-level {@code --help} footer; kept next to the codes so the two cannot drift apart. */
    static final String FOOTER = "%nExit codes:%n"
            + "  0  success%n"
            + "  1  any failure not listed below (INTERNAL, CONFLICT, HASH_MISMATCH, ...)%n"
            + "  2  usage or bad input (bad option, BAD_REQUEST, TOO_LARGE, non-image, bad op)%n"
            + "  3  not found (NOT_FOUND)%n"
            + "  4  cluster unavailable (UNAVAILABLE, TIMEOUT, OVERLOADED, cannot connect)%n"
            + "  5  lock held by someone else (LOCK_HELD)%n"
            + "  6  stale fencing token (STALE_TOKEN, STALE_LEASE)%n"
            + "  7  not authenticated or not permitted (UNAUTHENTICATED, PERMISSION_DENIED, TLS refused)%n";

    private ExitCodes() {}

    /**
     * The exit code for an error the cluster (or the client library) reported. The switch is exhaustive on purpose: a
     * new error code does not compile until someone decides what scripts should see for it.
     */
    public static int of(ErrorCode code) {
        return switch (code) {
            case BAD_REQUEST, TOO_LARGE -> USAGE;
            case NOT_FOUND -> NOT_FOUND;
            case UNAVAILABLE, TIMEOUT, OVERLOADED -> UNAVAILABLE;
            case LOCK_HELD -> LOCK_HELD;
            case STALE_TOKEN, STALE_LEASE -> STALE_TOKEN;
            case UNAUTHENTICATED, PERMISSION_DENIED -> NOT_AUTHORIZED;
            case UNSUPPORTED_VERSION, BLOB_MISSING, HASH_MISMATCH, CONFLICT, INTERNAL -> FAILURE;
        };
    }
}
