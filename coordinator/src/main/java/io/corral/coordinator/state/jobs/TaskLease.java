package io.corral.coordinator.state.jobs;

/**
 * The lease of a LEASED task.
 *
 * @param token fencing token: the Raft index of the entry that granted the lease. One entry may grant many tasks
 *     with the same token; a token fences one task, and a task is granted at most once per entry.
 * @param expiresAtMs leader time at which the lease lapses unless extended; the leader then commits its expiry
 */
public record TaskLease(String workerId, long token, long grantedAtMs, long expiresAtMs) {
    public TaskLease withExpiresAtMs(long ms) {
        return new TaskLease(workerId, token, grantedAtMs, ms);
    }
}
