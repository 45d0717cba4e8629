package io.corral.coordinator.state.jobs;

import io.corral.protocol.AttemptOutcome;

/**
 * One ended lease of a task ({@code Space.TASK_ATTEMPTS}), kept for the task's history.
 *
 * @param token the lease's fencing token (orders the history: tokens of one task strictly increase)
 * @param error the reported or decided error, null when the attempt succeeded or was released
 */
public record AttemptRecord(
        String workerId, long token, long startedAtMs, long endedAtMs, AttemptOutcome outcome, String error) {}
