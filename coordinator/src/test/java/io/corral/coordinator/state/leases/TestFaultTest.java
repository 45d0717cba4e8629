package io.corral.coordinator.state.leases;

import static io.corral.coordinator.state.leases.LeaseTestSupport.TTL_MS;
import static io.corral.coordinator.state.leases.LeaseTestSupport.completion;
import static io.corral.coordinator.state.leases.LeaseTestSupport.expire;
import static io.corral.coordinator.state.leases.LeaseTestSupport.leaseOne;
import static io.corral.coordinator.state.leases.LeaseTestSupport.submit;
import static io.corral.coordinator.state.leases.LeaseTestSupport.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.LeaseResult;
import io.corral.coordinator.state.TestFault;
import io.corral.coordinator.state.jobs.JobKeys;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The deliberate bugs the fault-injection harness switches on to prove its checkers can fail: each must really break
 * its promise, and nothing happens without it.
 */
class TestFaultTest {
    @Test
    void configNamesParseAndAnUnknownOneIsRefusedNamingTheKnownOnes() {
        assertThat(TestFault.parse(List.of(
                        "accept-stale-tokens", "grant-held-locks", "ack-before-commit", "sticky-write-failure")))
                .containsExactlyInAnyOrder(TestFault.values());
        assertThatThrownBy(() -> TestFault.parse(List.of("lose-everything")))
                .hasMessageContaining("unknown test fault 'lose-everything'")
                .hasMessageContaining("accept-stale-tokens")
                .hasMessageContaining("sticky-write-failure");
    }

    @Test
    void grantHeldLocksGrantsALiveLockToASecondHolderWithANewToken() {
        CoreHarness h = new CoreHarness(CoreLimits.defaults(), Set.of(TestFault.GRANT_HELD_LOCKS));
        Response.LockGranted a = (Response.LockGranted) h.reply(new Command.AcquireLock("L", "a", 30_000, 0));
        Response.LockGranted b = (Response.LockGranted) h.reply(new Command.AcquireLock("L", "b", 30_000, 0));
        assertThat(b.owner()).isEqualTo("b");
        assertThat(b.token()).isGreaterThan(a.token());

        CoreHarness honest = new CoreHarness();
        honest.reply(new Command.AcquireLock("L", "a", 30_000, 0));
        honest.refused(new Command.AcquireLock("L", "b", 30_000, 0), ErrorCode.LOCK_HELD);
    }

    @Test
    void acceptStaleTokensCommitsAResultWithAnOlderTokenThanTheLastGrant() {
        CoreHarness h = new CoreHarness(CoreLimits.defaults(), Set.of(TestFault.ACCEPT_STALE_TOKENS));
        long seq = submit(h, 0, 1, 5);
        var first = leaseOne(h, "w1");
        var second = expireAndLeaseAgain(h, first, "w2");
        assertThat(second.token()).isGreaterThan(first.token());

        assertThat(h.apply(completion(h, first, 3)).result())
                .isEqualTo(new LeaseResult.TaskUpdated(JobKeys.taskId(seq, 0), TaskState.SUCCEEDED));
        assertThat(task(h, first.taskId()).result().token()).isEqualTo(first.token());
    }

    @Test
    void acceptStaleTokensCommitsASecondResultOverAFinishedTask() {
        CoreHarness h = new CoreHarness(CoreLimits.defaults(), Set.of(TestFault.ACCEPT_STALE_TOKENS));
        long seq = submit(h, 0, 1, 5);
        var first = leaseOne(h, "w1");
        var second = expireAndLeaseAgain(h, first, "w2");
        h.apply(completion(h, second, 4));

        h.apply(completion(h, first, 5));
        assertThat(task(h, first.taskId()).result().token()).isEqualTo(first.token());
        assertThat(io.corral.coordinator.state.jobs.TaskHistory.of(h.kv, seq, 0).stream()
                        .filter(a -> a.outcome() == io.corral.protocol.AttemptOutcome.SUCCEEDED)
                        .count())
                .isEqualTo(2);
    }

    /** {@code first} lapses and is expired; past the longest backoff, {@code worker} leases the task again. */
    private static LeaseResult.Grant expireAndLeaseAgain(CoreHarness h, LeaseResult.Grant first, String worker) {
        h.advance(TTL_MS);
        h.apply(expire(first));
        h.advance(60_000);
        return leaseOne(h, worker);
    }
}
