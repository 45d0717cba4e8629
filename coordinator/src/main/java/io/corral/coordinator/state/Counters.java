package io.corral.coordinator.state;

import io.corral.protocol.AttemptOutcome;
import io.corral.protocol.JobState;
import io.corral.protocol.TaskState;
import java.util.Map;

/**
 * What the replicated state holds right now, for metrics. Every state of both enums is present in the maps.
 *
 * @param tasks stored tasks by state
 * @param jobs stored jobs by derived state
 * @param locksHeld locks with a holder
 * @param lockWaiters acquirers queued behind held locks
 * @param blobsStored sealed blobs (uploads in progress are not counted)
 * @param blobBytesStored total size of the sealed blobs
 * @param leasesGranted leases granted since the cluster was created (a total, not a gauge)
 * @param leasesExpired leases the leader expired since the cluster was created
 * @param tasksDeadLettered tasks that became DEAD since the cluster was created (retried ones included)
 * @param attemptsEnded leases that ended, by outcome, since the cluster was created (or since the version that
 *     started counting them); every outcome present
 */
public record Counters(
        Map<TaskState, Long> tasks,
        Map<JobState, Long> jobs,
        long locksHeld,
        long lockWaiters,
        long blobsStored,
        long blobBytesStored,
        long leasesGranted,
        long leasesExpired,
        long tasksDeadLettered,
        Map<AttemptOutcome, Long> attemptsEnded) {
    public Counters {
        tasks = Map.copyOf(tasks);
        jobs = Map.copyOf(jobs);
        attemptsEnded = Map.copyOf(attemptsEnded);
    }
}
