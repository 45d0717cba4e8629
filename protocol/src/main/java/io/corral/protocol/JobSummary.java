package io.corral.protocol;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.OptBoolean;
import java.util.Map;

/**
 * A job without its tasks, as {@code corral list} shows it. {@code owner} as in {@link JobView}: absent from the JSON
 * when the job has none.
 */
public record JobSummary(
        String id,
        JobState state,
        int priority,
        int tasks,
        Map<TaskState, Integer> counts,
        long submittedAtMs,
        Map<String, String> labels,

        @JsonInclude(JsonInclude.Include.NON_NULL)
        @JacksonInject(value = JobView.OWNER_ABSENT, useInput = OptBoolean.TRUE)
        String owner) {
    /** A job without an owner (authentication off). */
    public JobSummary(
            String id,
            JobState state,
            int priority,
            int tasks,
            Map<TaskState, Integer> counts,
            long submittedAtMs,
            Map<String, String> labels) {
        this(id, state, priority, tasks, counts, submittedAtMs, labels, null);
    }
}
