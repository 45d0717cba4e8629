package io.corral.protocol;

import java.util.Map;

/**
 * A job's state is derived from its tasks' states, never stored independently of them, so the two cannot disagree.
 */
public enum JobState {
    /** No task has started and none is finished. */
    PENDING,
    /** Some task is running (leased) or some tasks are done while others still wait. */
    LEASED,
    /** Every task succeeded. */
    SUCCEEDED,
    /** Every task is finished and at least one failed with a non-retryable error (none dead). */
    FAILED,
    /** Every task is finished and at least one exhausted its attempts. */
    DEAD,
    /** The job was cancelled and every task is finished. */
    CANCELLED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == DEAD || this == CANCELLED;
    }

    /** Derives the job state from task counts by state and whether the job was cancelled. */
    public static JobState derive(Map<TaskState, Integer> counts, boolean cancelled) {
        int total = 0;
        for (int n : counts.values()) {
            total += n;
        }
        int pending = counts.getOrDefault(TaskState.PENDING, 0);
        int leased = counts.getOrDefault(TaskState.LEASED, 0);
        if (pending + leased > 0) {
            return leased == 0 && pending == total ? PENDING : LEASED;
        }
        if (cancelled) {
            return CANCELLED;
        }
        if (counts.getOrDefault(TaskState.DEAD, 0) > 0) {
            return DEAD;
        }
        if (counts.getOrDefault(TaskState.FAILED, 0) > 0) {
            return FAILED;
        }
        if (counts.getOrDefault(TaskState.CANCELLED, 0) > 0) {
            return CANCELLED;
        }
        return SUCCEEDED;
    }
}
