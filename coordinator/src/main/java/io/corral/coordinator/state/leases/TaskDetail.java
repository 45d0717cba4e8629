package io.corral.coordinator.state.leases;

import io.corral.coordinator.state.jobs.AttemptRecord;
import io.corral.coordinator.state.jobs.TaskRecord;
import java.util.List;

/**
 * One task as the core knows it: the record (state, attempts, lease, progress, result, last error), its job's
 * attempt limit, and the history of its last attempts, oldest first (at most {@link
 * io.corral.coordinator.state.jobs.TaskHistory#MAX_ATTEMPTS_KEPT}). Not a wire type yet.
 */
public record TaskDetail(TaskRecord task, int maxAttempts, List<AttemptRecord> history) {
    public TaskDetail {
        history = List.copyOf(history);
    }
}
