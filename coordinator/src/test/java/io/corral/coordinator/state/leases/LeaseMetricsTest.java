package io.corral.coordinator.state.leases;

import static io.corral.coordinator.state.leases.LeaseTestSupport.BASE_MS;
import static io.corral.coordinator.state.leases.LeaseTestSupport.CAP_MS;
import static io.corral.coordinator.state.leases.LeaseTestSupport.TTL_MS;
import static io.corral.coordinator.state.leases.LeaseTestSupport.completion;
import static io.corral.coordinator.state.leases.LeaseTestSupport.expire;
import static io.corral.coordinator.state.leases.LeaseTestSupport.ref;
import static io.corral.coordinator.state.leases.LeaseTestSupport.submit;
import static io.corral.coordinator.state.leases.LeaseTestSupport.task;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.Applied;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.Event;
import io.corral.coordinator.state.LeaseResult;
import io.corral.coordinator.state.jobs.JobKeys;
import io.corral.protocol.AttemptOutcome;
import io.corral.protocol.ImageRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the core reports for metrics: every grant names when its task became leasable (queue wait), and every ended
 * lease is counted by outcome in the replicated counters.
 */
class LeaseMetricsTest {
    private final CoreHarness h = new CoreHarness();

    @Test
    void aGrantReportsWhenItsTaskBecameLeasable() {
        long submittedAt = h.nowMs();
        long seq = submit(h, 0, 1, 3);
        h.advance(2_500);
        Applied granted = h.apply(new Command.LeaseTasks("w1", 1, TTL_MS));
        LeaseResult.Grant g = ((LeaseResult.Granted) granted.result()).grants().get(0);
        assertThat(granted.events())
                .containsExactly(new Event.TaskLeased(g.taskId(), "w1", g.token(), submittedAt, h.nowMs()));
        assertThat(task(h, g.taskId()).readyAtMs()).isEqualTo(submittedAt);

        // Expired with a backoff: leasable again only when the backoff ends, so the wait starts there.
        h.advance(TTL_MS);
        h.apply(expire(g));
        long notBefore = task(h, g.taskId()).notBeforeMs();
        assertThat(notBefore).isGreaterThan(h.nowMs());
        assertThat(task(h, g.taskId()).readyAtMs()).isEqualTo(notBefore);
        h.advance(CAP_MS);
        Applied again = h.apply(new Command.LeaseTasks("w2", 1, TTL_MS));
        assertThat(again.events())
                .singleElement()
                .isEqualTo(new Event.TaskLeased(JobKeys.taskId(seq, 0), "w2", h.nextIndex() - 1, notBefore, h.nowMs()));

        // Released: leasable at once, from the release.
        LeaseResult.Grant second =
                ((LeaseResult.Granted) again.result()).grants().get(0);
        h.advance(100);
        long releasedAt = h.nowMs();
        h.apply(new Command.ReleaseLeases("w2", List.of(ref(second))));
        assertThat(task(h, second.taskId()).readyAtMs()).isEqualTo(releasedAt);
    }

    @Test
    void aSubmissionWithGrantsWaitedNothing() {
        ImageRef image = h.image("img.png", CoreHarness.png(64, 1));
        Command.SubmitJob job = new Command.SubmitJob(List.of(image), List.of("thumbnail:128"), 0, 3, Map.of(), null);
        Applied applied = h.apply(new Command.SubmitAndLease(job, List.of(new Command.LeaseTasks("w1", 1, TTL_MS))));
        assertThat(applied.events()).singleElement().satisfies(e -> assertThat(((Event.TaskLeased) e).readyAtMs())
                .isEqualTo(((Event.TaskLeased) e).grantedAtMs())
                .isEqualTo(h.nowMs()));
    }

    @Test
    void endedLeasesAreCountedByOutcome() {
        submit(h, 0, 4, 3);
        List<LeaseResult.Grant> grants = LeaseTestSupport.lease(h, "w1", 4);
        h.apply(completion(h, grants.get(0), 1));
        h.apply(new Command.FailTask(
                "w1", grants.get(1).taskId(), grants.get(1).token(), "bad", false, BASE_MS, CAP_MS));
        h.apply(new Command.ReleaseLeases("w1", List.of(ref(grants.get(2)))));
        h.advance(TTL_MS);
        h.apply(expire(grants.get(3)));
        // A refused (stale) completion ends nothing.
        h.apply(completion(h, grants.get(0), 2));

        Map<AttemptOutcome, Long> ended = h.core.counters(h.kv).attemptsEnded();
        assertThat(ended)
                .containsEntry(AttemptOutcome.SUCCEEDED, 1L)
                .containsEntry(AttemptOutcome.FAILED, 1L)
                .containsEntry(AttemptOutcome.RELEASED, 1L)
                .containsEntry(AttemptOutcome.EXPIRED, 1L)
                .containsEntry(AttemptOutcome.CANCELLED, 0L);
        assertThat(h.core.counters(h.kv).leasesGranted()).isEqualTo(4);
    }
}
