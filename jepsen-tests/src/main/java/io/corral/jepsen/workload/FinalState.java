package io.corral.jepsen.workload;

import io.corral.client.CorralClient;
import io.corral.jepsen.checker.FinalAttempt;
import io.corral.jepsen.checker.FinalJob;
import io.corral.jepsen.checker.FinalTask;
import io.corral.protocol.AttemptView;
import io.corral.protocol.JobSummary;
import io.corral.protocol.JobView;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the queue's final state after the run, with linearizable reads: every job labelled with the run's id, each
 * task with its attempt history ({@code GetTask}). Jobs of other runs on the same cluster are ignored.
 */
final class FinalState {
    static final int READ_ATTEMPTS = 10;

    private FinalState() {}

    /** The run's jobs, newest first: every page of the cluster's job list, filtered by the run's label. */
    static List<JobSummary> jobsOfRun(CorralClient admin, String runId) {
        List<JobSummary> out = new ArrayList<>();
        String before = null;
        while (true) {
            List<JobSummary> page = admin.callWithRetry(
                            new Request.ListJobs(null, Limits.MAX_LIST_LIMIT, false, before),
                            Response.JobList.class,
                            READ_ATTEMPTS)
                    .jobs();
            for (JobSummary j : page) {
                if (runId.equals(j.labels().get(QueueWorkload.RUN_LABEL))) {
                    out.add(j);
                }
            }
            if (page.size() < Limits.MAX_LIST_LIMIT) {
                return out;
            }
            before = page.get(page.size() - 1).id();
        }
    }

    /**
     * Waits until every job of the run is terminal, or {@code settle} passed; returns whether they all are. Polls: a
     * drain has no event to await from outside the cluster.
     */
    static boolean awaitDrained(CorralClient admin, String runId, Duration settle) throws InterruptedException {
        long deadline = System.nanoTime() + settle.toNanos();
        while (true) {
            try {
                if (jobsOfRun(admin, runId).stream().allMatch(j -> j.state().isTerminal())) {
                    return true;
                }
            } catch (RuntimeException e) {
                // Not settled yet (a member still electing): try again until the deadline.
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(500);
        }
    }

    static List<FinalJob> read(CorralClient admin, String runId) {
        List<FinalJob> out = new ArrayList<>();
        for (JobSummary s : jobsOfRun(admin, runId)) {
            JobView job = admin.callWithRetry(
                            new Request.GetJob(s.id(), false), Response.JobDetail.class, READ_ATTEMPTS)
                    .job();
            List<FinalTask> tasks = new ArrayList<>();
            for (TaskView t : job.tasks()) {
                Response.TaskDetail d = admin.callWithRetry(
                        new Request.GetTask(t.id(), false), Response.TaskDetail.class, READ_ATTEMPTS);
                List<FinalAttempt> attempts = new ArrayList<>();
                for (AttemptView a : d.attempts()) {
                    attempts.add(new FinalAttempt(
                            a.worker(),
                            a.token(),
                            FinalAttempt.Outcome.valueOf(a.outcome().name()),
                            a.error()));
                }
                tasks.add(new FinalTask(
                        t.id(),
                        t.sha256(),
                        t.state(),
                        t.result() == null ? null : t.result().sha256(),
                        d.resultToken(),
                        t.result() == null ? null : t.worker(),
                        attempts,
                        d.leaseToken()));
            }
            out.add(new FinalJob(job.id(), job.idempotencyKey(), job.state(), tasks, job.owner()));
        }
        return out;
    }
}
