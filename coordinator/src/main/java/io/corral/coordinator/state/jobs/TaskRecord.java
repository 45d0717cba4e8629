package io.corral.coordinator.state.jobs;

import io.corral.protocol.TaskResultView;
import io.corral.protocol.TaskState;
import io.corral.protocol.TaskView;

/**
 * One task: one image of a job ({@code Space.TASKS}). Change its state only through {@link Tasks}, which keeps the
 * job's counts and the indexes in step.
 *
 * @param jobSeq the job's seq
 * @param index position of the image in the submission
 * @param image the image's display name
 * @param attempts leases that count as attempts so far (a graceful release does not count; a retry resets to 0)
 * @param error why the last attempt failed, expired or died, else null
 * @param notBeforeMs while PENDING: leader time before which the task may not be leased again (retry backoff); 0
 *     when it may be leased at once. Always 0 in other states.
 * @param lease the current lease while LEASED, else null
 * @param progress the last progress the current (or last) lease holder reported, else null
 * @param result the committed result once SUCCEEDED, else null
 * @param readyAtMs leader time at which the task last became leasable: its submission, its return to PENDING, or
 *     the end of its retry backoff. Kept once the task is leased (the grant reports how long it waited: the queue-wait
 *     metric). 0 in records stored before the field existed.
 */
public record TaskRecord(
        long jobSeq,
        int index,
        String image,
        String sha256,
        long size,
        TaskState state,
        int attempts,
        String error,
        long notBeforeMs,
        TaskLease lease,
        TaskProgress progress,
        TaskResult result,
        long readyAtMs) {

    /** A fresh PENDING task of a new submission, leasable from {@code nowMs}. */
    public static TaskRecord pending(long jobSeq, int index, String image, String sha256, long size, long nowMs) {
        return new TaskRecord(
                jobSeq, index, image, sha256, size, TaskState.PENDING, 0, null, 0, null, null, null, nowMs);
    }

    public String id() {
        return JobKeys.taskId(jobSeq, index);
    }

    public TaskRecord withState(TaskState next) {
        return new TaskRecord(
                jobSeq,
                index,
                image,
                sha256,
                size,
                next,
                attempts,
                error,
                notBeforeMs,
                lease,
                progress,
                result,
                readyAtMs);
    }

    public TaskRecord withAttempts(int count) {
        return new TaskRecord(
                jobSeq,
                index,
                image,
                sha256,
                size,
                state,
                count,
                error,
                notBeforeMs,
                lease,
                progress,
                result,
                readyAtMs);
    }

    public TaskRecord withError(String message) {
        return new TaskRecord(
                jobSeq,
                index,
                image,
                sha256,
                size,
                state,
                attempts,
                message,
                notBeforeMs,
                lease,
                progress,
                result,
                readyAtMs);
    }

    public TaskRecord withNotBeforeMs(long ms) {
        return new TaskRecord(
                jobSeq, index, image, sha256, size, state, attempts, error, ms, lease, progress, result, readyAtMs);
    }

    public TaskRecord withLease(TaskLease next) {
        return new TaskRecord(
                jobSeq,
                index,
                image,
                sha256,
                size,
                state,
                attempts,
                error,
                notBeforeMs,
                next,
                progress,
                result,
                readyAtMs);
    }

    public TaskRecord withProgress(TaskProgress next) {
        return new TaskRecord(
                jobSeq,
                index,
                image,
                sha256,
                size,
                state,
                attempts,
                error,
                notBeforeMs,
                lease,
                next,
                result,
                readyAtMs);
    }

    public TaskRecord withResult(TaskResult next) {
        return new TaskRecord(
                jobSeq,
                index,
                image,
                sha256,
                size,
                state,
                attempts,
                error,
                notBeforeMs,
                lease,
                progress,
                next,
                readyAtMs);
    }

    public TaskRecord withReadyAtMs(long ms) {
        return new TaskRecord(
                jobSeq, index, image, sha256, size, state, attempts, error, notBeforeMs, lease, progress, result, ms);
    }

    public TaskView view() {
        // The lease is cleared when a task leaves LEASED; the result keeps who committed it, so a finished task
        // still names its worker. A failed or dead task's worker is in its attempt history, not in the view.
        String worker = lease != null ? lease.workerId() : result != null ? result.workerId() : null;
        return new TaskView(
                id(),
                index,
                image,
                sha256,
                size,
                state,
                attempts,
                error,
                worker,
                progress == null ? TaskView.NO_PROGRESS : progress.percent(),
                progress == null ? null : progress.message(),
                result == null ? null : new TaskResultView(result.sha256(), result.size()));
    }
}
