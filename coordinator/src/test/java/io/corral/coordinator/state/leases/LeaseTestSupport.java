package io.corral.coordinator.state.leases;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.Applied;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.LeaseResult;
import io.corral.coordinator.state.jobs.JobKeys;
import io.corral.coordinator.state.jobs.TaskRecord;
import io.corral.coordinator.state.jobs.Tasks;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Response;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** Submits jobs and drives leases through a {@link CoreHarness}, one committed entry per call. */
final class LeaseTestSupport {
    static final long TTL_MS = 30_000;
    static final long BASE_MS = 1_000;
    static final long CAP_MS = 60_000;

    private LeaseTestSupport() {}

    /** A job of {@code tasks} copies of one image; returns its seq. */
    static long submit(CoreHarness h, int priority, int tasks, int maxAttempts) {
        ImageRef image = h.image("img.png", CoreHarness.png(64, 1));
        Response reply = h.reply(new Command.SubmitJob(
                Collections.nCopies(tasks, image), List.of("thumbnail:128"), priority, maxAttempts, Map.of(), null));
        return JobKeys.parseJobId(((Response.JobSubmitted) reply).jobId());
    }

    static List<LeaseResult.Grant> lease(CoreHarness h, String worker, int max) {
        Applied applied = h.apply(new Command.LeaseTasks(worker, max, TTL_MS));
        assertThat(applied.reply()).isEqualTo(new Response.Ack());
        return ((LeaseResult.Granted) applied.result()).grants();
    }

    static LeaseResult.Grant leaseOne(CoreHarness h, String worker) {
        List<LeaseResult.Grant> grants = lease(h, worker, 1);
        assertThat(grants).hasSize(1);
        return grants.get(0);
    }

    static LeaseResult.Leases extend(CoreHarness h, String worker, long ttlMs, Command.LeaseRef... refs) {
        return (LeaseResult.Leases)
                h.apply(new Command.ExtendLeases(worker, List.of(refs), ttlMs)).result();
    }

    static Command.LeaseRef ref(LeaseResult.Grant grant) {
        return new Command.LeaseRef(grant.taskId(), grant.token());
    }

    static Command.ExpireLease expire(LeaseResult.Grant grant) {
        return new Command.ExpireLease(grant.taskId(), grant.token(), BASE_MS, CAP_MS);
    }

    static TaskRecord task(CoreHarness h, String taskId) {
        JobKeys.TaskRef ref = JobKeys.parseTaskId(taskId);
        return Tasks.get(h.kv, ref.seq(), ref.index());
    }

    /** Uploads a result blob and returns a completion of {@code grant} with it. */
    static Command.CompleteTask completion(CoreHarness h, LeaseResult.Grant grant, int seed) {
        return completion(h, holder(h, grant.taskId()), grant, seed);
    }

    /** A completion of {@code grant} sent by {@code worker}. */
    static Command.CompleteTask completion(CoreHarness h, String worker, LeaseResult.Grant grant, int seed) {
        byte[] bytes = CoreHarness.png(96, seed);
        return new Command.CompleteTask(worker, grant.taskId(), grant.token(), h.upload(bytes), bytes.length);
    }

    /** The worker holding the task's lease now, or "w1" when it is not leased (a stale report's sender, say). */
    static String holder(CoreHarness h, String taskId) {
        TaskRecord t = task(h, taskId);
        return t != null && t.lease() != null ? t.lease().workerId() : "w1";
    }
}
