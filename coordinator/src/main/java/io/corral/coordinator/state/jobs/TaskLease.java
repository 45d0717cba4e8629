package io.corral.coordinator.state.jobs;

/**
 * The lease of a LEASED task.
 *
 * @param token fencing token: the Raft index of the entry that granted the lease, or the next free number when an
 *     earlier grant of the same batched entry took it ({@code LeaseTokens}). One grant may lease many tasks with the
 *     same token; a token fences one task, and every grant of a task gets a greater one.
 * @param expiresAtMs leader time at which the lease lapses unless extended; the leader then commits its expiry
 */
public record TaskLease(String workerId, long token, long grantedAtMs, long expiresAtMs) {
    public TaskLease withExpiresAtMs(long ms) {
        return new TaskLease(workerId, token, grantedAtMs, ms);
    }
}
