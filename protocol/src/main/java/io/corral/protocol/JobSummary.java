package io.corral.protocol;

import java.util.Map;

/** A job without its tasks, as {@code corral list} shows it. */
public record JobSummary(
        String id,
        JobState state,
        int priority,
        int tasks,
        Map<TaskState, Integer> counts,
        long submittedAtMs,
        Map<String, String> labels) {}
