package io.corral.protocol;

import java.util.List;
import java.util.Map;

/**
 * A job with its tasks. {@code finishedAtMs} is 0 until every task reached a terminal state; {@code taskTimeoutMs} is 0
 * when the job set no task timeout and each worker applies its default.
 */
public record JobView(
        String id,
        JobState state,
        int priority,
        int maxAttempts,
        long taskTimeoutMs,
        List<String> operations,
        Map<String, String> labels,
        String idempotencyKey,
        long submittedAtMs,
        long finishedAtMs,
        boolean cancelled,
        Map<TaskState, Integer> counts,
        List<TaskView> tasks) {}
