package io.corral.coordinator.state;

import io.corral.protocol.TaskState;
import java.util.List;
import java.util.Map;

/**
 * What an accepted lease command answers, in core terms; the RPC layer maps it to wire messages. A refused command
 * (stale token, unknown task) answers an error reply instead and has no result.
 */
public sealed interface LeaseResult {
    /** Tasks granted by one {@link Command.LeaseTasks}, in queue order; empty when nothing was ready. */
    record Granted(List<Grant> grants) implements LeaseResult {
        public Granted {
            grants = List.copyOf(grants);
        }
    }

    /**
     * The grants of a {@link Command.SubmitAndLease}, by worker in the command's order (a worker may get none). The
     * submission's own answer is the entry's reply.
     */
    record SubmittedAndGranted(Map<String, List<Grant>> byWorker) implements LeaseResult {
        public SubmittedAndGranted {
            Map<String, List<Grant>> copy = new java.util.LinkedHashMap<>();
            byWorker.forEach((w, g) -> copy.put(w, List.copyOf(g)));
            byWorker = java.util.Collections.unmodifiableMap(copy);
        }
    }

    /** One granted task: what the worker needs to run it. {@code taskTimeoutMs} is the job's, 0 when it set none. */
    record Grant(
            String taskId,
            String jobId,
            String imageSha256,
            long imageSize,
            String imageName,
            List<String> operations,
            long taskTimeoutMs,
            long token,
            long expiresAtMs) {
        public Grant {
            operations = List.copyOf(operations);
        }
    }

    /**
     * The answer to an {@link Command.ExtendLeases} or {@link Command.ReleaseLeases}: the leases it applied to and
     * the stale ones, which the worker must abort (their tasks belong to someone else now, or to nobody).
     */
    record Leases(List<LeaseState> accepted, List<StaleLease> stale) implements LeaseResult {
        public Leases {
            accepted = List.copyOf(accepted);
            stale = List.copyOf(stale);
        }
    }

    /** A lease after the command; {@code expiresAtMs} is 0 for a released one. */
    record LeaseState(String taskId, long token, long expiresAtMs) {}

    record StaleLease(String taskId, long token, String reason) {}

    /** Complete, fail and progress: the task's state after the command. */
    record TaskUpdated(String taskId, TaskState state) implements LeaseResult {}

    /** {@link Command.ExpireLease}: whether the lease was expired (false: it was extended, ended or replaced first). */
    record Expired(String taskId, boolean applied, TaskState state) implements LeaseResult {}

    /** {@link Command.ExtendAllLeases}: how many leases were extended and until when. */
    record AllExtended(int leases, long untilMs) implements LeaseResult {}

    /** {@link Command.RetryTasks}: how many tasks were put back to PENDING. */
    record Retried(int tasks) implements LeaseResult {}
}
