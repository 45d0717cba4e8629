package io.corral.coordinator.state.jobs;

import io.corral.protocol.JobState;
import io.corral.protocol.JobSummary;
import io.corral.protocol.TaskState;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A job ({@code Space.JOBS}). Its state is not stored: it is derived from {@link #counts} (kept in step with the task
 * records by {@link Tasks}) so the two can never disagree.
 *
 * @param seq the submission's entry index, or the next free number in a batched entry ({@link JobSeq}); the id is
 *     {@code "job-<seq>"}
 * @param operations canonical operation texts
 * @param taskTimeoutMs the job's bound on each task, given to workers with every grant; 0 when the job set none (the
 *     worker's default applies). Records stored before the field existed decode with 0.
 * @param idempotencyKey null when the client sent none
 * @param finishedAtMs leader time at which the job became terminal, 0 while it is not
 * @param tasks number of tasks (images)
 * @param counts tasks by state; every state present
 * @param owner the tenant that submitted it ({@link io.corral.coordinator.state.Caller}); null when authentication was
 *     off, and for records stored before jobs had owners
 */
public record JobRecord(
        long seq,
        int priority,
        int maxAttempts,
        long taskTimeoutMs,
        List<String> operations,
        Map<String, String> labels,
        String idempotencyKey,
        long submittedAtMs,
        long finishedAtMs,
        boolean cancelled,
        int tasks,
        Map<TaskState, Integer> counts,
        String owner) {

    public JobRecord {
        operations = List.copyOf(operations);
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
        EnumMap<TaskState, Integer> all = new EnumMap<>(TaskState.class);
        for (TaskState s : TaskState.values()) {
            all.put(s, counts.getOrDefault(s, 0));
        }
        counts = Collections.unmodifiableMap(all);
    }

    public String id() {
        return JobKeys.jobId(seq);
    }

    public JobState state() {
        return JobState.derive(counts, cancelled);
    }

    public int count(TaskState state) {
        return counts.get(state);
    }

    /** One task moved from {@code from} to {@code to}. */
    JobRecord moved(TaskState from, TaskState to) {
        EnumMap<TaskState, Integer> next = new EnumMap<>(counts);
        if (next.get(from) <= 0) {
            throw new IllegalStateException(id() + " has no " + from + " task to move to " + to);
        }
        next.merge(from, -1, Integer::sum);
        next.merge(to, 1, Integer::sum);
        return new JobRecord(
                seq,
                priority,
                maxAttempts,
                taskTimeoutMs,
                operations,
                labels,
                idempotencyKey,
                submittedAtMs,
                finishedAtMs,
                cancelled,
                tasks,
                next,
                owner);
    }

    JobRecord withCancelled() {
        return new JobRecord(
                seq,
                priority,
                maxAttempts,
                taskTimeoutMs,
                operations,
                labels,
                idempotencyKey,
                submittedAtMs,
                finishedAtMs,
                true,
                tasks,
                counts,
                owner);
    }

    JobRecord withFinishedAtMs(long ms) {
        return new JobRecord(
                seq,
                priority,
                maxAttempts,
                taskTimeoutMs,
                operations,
                labels,
                idempotencyKey,
                submittedAtMs,
                ms,
                cancelled,
                tasks,
                counts,
                owner);
    }

    public JobSummary summary() {
        return new JobSummary(id(), state(), priority, tasks, counts, submittedAtMs, labels, owner);
    }
}
