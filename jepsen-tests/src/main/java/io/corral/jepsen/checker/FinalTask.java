package io.corral.jepsen.checker;

import io.corral.protocol.TaskState;
import java.util.List;

/**
 * One task as read from the cluster after the run.
 *
 * @param inputSha256 the SHA-256 of the task's input image, or null if not read
 * @param resultSha256 the committed result's SHA-256, null unless SUCCEEDED
 * @param resultToken the token of the lease whose holder committed the result, 0 when none
 * @param resultWorker the worker that committed the result, null when none or not read
 * @param attempts ended leases in token order
 * @param liveLeaseToken the token of the lease still held (LEASED), 0 when none
 */
public record FinalTask(
        String taskId,
        String inputSha256,
        TaskState state,
        String resultSha256,
        long resultToken,
        String resultWorker,
        List<FinalAttempt> attempts,
        long liveLeaseToken) {

    public FinalTask {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    /** The attempts that committed a result; more than one is a duplicate result commit. */
    public List<FinalAttempt> successes() {
        return attempts.stream()
                .filter(a -> a.outcome() == FinalAttempt.Outcome.SUCCEEDED)
                .toList();
    }
}
