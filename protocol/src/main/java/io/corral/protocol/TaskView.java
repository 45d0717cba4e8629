package io.corral.protocol;

/**
 * One task as a client sees it.
 *
 * @param attempts leases that counted as attempts so far
 * @param error the last attempt's error, or null when no attempt failed
 * @param worker the worker holding the task's lease, or, once the task succeeded, the one that committed its result;
 *     null otherwise (never leased, or its last lease is gone)
 * @param progressPercent the last progress a lease holder reported (0..100), or -1 when none was reported
 * @param progressMessage the message of that progress report, or null
 * @param result the committed result once SUCCEEDED, else null
 */
public record TaskView(
        String id,
        int index,
        String image,
        String sha256,
        long size,
        TaskState state,
        int attempts,
        String error,
        String worker,
        int progressPercent,
        String progressMessage,
        TaskResultView result) {

    /** No progress reported (the value of {@link #progressPercent()}). */
    public static final int NO_PROGRESS = -1;
}
