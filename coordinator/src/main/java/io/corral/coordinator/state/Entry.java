package io.corral.coordinator.state;

/**
 * What one Raft log entry holds: the command, stamped with the leader's clock when the leader accepted it. Replicas
 * never read their own clock while applying.
 *
 * @param requestId the Raft client request it came from ({@code clientId/callId}), so that a resend of the same
 *     request is applied once (see {@code AppliedRequests}); null for entries written before it existed
 */
public record Entry(long nowMs, Command command, String requestId) {
    public Entry(long nowMs, Command command) {
        this(nowMs, command, null);
    }
}
