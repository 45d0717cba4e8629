package io.corral.jepsen.checker;

import io.corral.protocol.JobState;
import java.util.List;

/**
 * One job as read from the cluster after the run, once healed and drained: the harness reads every job the cluster
 * holds, so a job here that no client submitted is "unexpected".
 *
 * @param key the job's idempotency key, null when it has none
 * @param owner the tenant the cluster says submitted it, null on a cluster without authentication
 */
public record FinalJob(String jobId, String key, JobState state, List<FinalTask> tasks, String owner) {
    public FinalJob {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
    }

    /** A job without an owner (a cluster without authentication). */
    public FinalJob(String jobId, String key, JobState state, List<FinalTask> tasks) {
        this(jobId, key, state, tasks, null);
    }
}
