package io.corral.jepsen.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.checker.Validity;
import io.corral.jepsen.cluster.NodeImage;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Proof that the checkers can fail: each run switches on one deliberate coordinator bug ({@code testing.faults}) and
 * must end INVALID, caught by the checker that guards the promise the bug breaks. A run without faults is short: the
 * bug shows at once and there is no recovery phase; a run with faults needs a few of them, and the recovery phase
 * after the final heal. {@code -Djepsen.faultSeconds=N} sets the fault phase of every run.
 */
@Tag("docker")
class DeliberateFaultsTest {
    /** Without faults a bug of these shows within seconds, hundreds of times. */
    static final int CALM_SECONDS = Integer.getInteger("jepsen.faultSeconds", 15);

    static final int FAULT_SECONDS = Integer.getInteger("jepsen.faultSeconds", 30);

    static RunSpec spec(String name, String workload, String nemeses, String fault) {
        int seconds = nemeses.equals("none") ? CALM_SECONDS : FAULT_SECONDS;
        return spec(name, workload, nemeses, fault, seconds, ShortProfileTest.SEED);
    }

    static RunSpec spec(String name, String workload, String nemeses, String fault, int seconds, long seed) {
        return new RunSpec(
                name,
                workload,
                nemeses,
                seconds,
                3,
                2,
                4,
                seed,
                NodeImage.HOST_JDK,
                ShortProfileTest.ROOT,
                ShortProfileTest.OUT,
                List.of(fault));
    }

    @Test
    void grantingALockWithoutCheckingTheHolderIsCaught() throws Exception {
        RunResult r = Runner.run(spec("fault-grant-held-locks", "lock", "none", "grant-held-locks"));
        assertInvalid(r, "mutual-exclusion");
        assertInvalid(r, "lock-linearizability");
    }

    @Test
    void acknowledgingASubmissionBeforeItIsCommittedIsCaught() throws Exception {
        RunResult r = Runner.run(spec("fault-ack-before-commit", "queue", "none", "ack-before-commit"));
        assertInvalid(r, "queue");
    }

    @Test
    void acceptingStaleTokensIsCaught() throws Exception {
        // The worker faults strike a worker holding a lease; its report after the heal carries a stale token.
        RunResult r = Runner.run(
                spec("fault-accept-stale-tokens", "queue", "pause-worker,partition-worker", "accept-stale-tokens"));
        assertInvalid(r, "lease-fencing");
    }

    /**
     * A seed whose first fault is partition-one for 12 s, 3.5 s into the run: longer than the coordinators' 10 s
     * request timeout ({@code raft.requestTimeoutMs}), so a write the isolated member makes fails for certain. The fault
     * phase ends 4 s after that heal; the final heal's window then judges every client.
     */
    static final long LONG_PARTITION_SEED = 234;

    static final int STICKY_SECONDS = Integer.getInteger("jepsen.faultSeconds", 20);

    @Test
    void aMemberThatStopsWritingAfterOneFailedWriteIsCaught() throws Exception {
        // From its first failed write on, the member refuses every write, while it answers reads and stays in the
        // cluster. Nothing acknowledged is lost, so only the availability checker can see it: through the member's
        // probe, and its clients.
        RunResult r = Runner.run(spec(
                "fault-sticky-write-failure",
                "queue",
                "partition-one,partition-leader",
                "sticky-write-failure",
                STICKY_SECONDS,
                Long.getLong("jepsen.seed", LONG_PARTITION_SEED)));
        assertInvalid(r, "availability");
    }

    private static void assertInvalid(RunResult r, String checker) {
        assertThat(r.verdict().validity()).as("verdict; report in %s", r.dir()).isEqualTo(Validity.INVALID);
        CheckResult part = r.verdict().parts().stream()
                .filter(p -> p.name().equals(checker))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no checker " + checker + " in " + r.dir()));
        assertThat(part.validity()).as("%s; report in %s", checker, r.dir()).isEqualTo(Validity.INVALID);
    }
}
