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
 * must end INVALID, caught by the checker that guards the promise the bug breaks.
 */
@Tag("docker")
class DeliberateFaultsTest {
    static final int SECONDS = Integer.getInteger("jepsen.faultSeconds", 40);

    static RunSpec spec(String name, String workload, String nemeses, String fault) {
        return new RunSpec(
                name,
                workload,
                nemeses,
                SECONDS,
                3,
                2,
                4,
                ShortProfileTest.SEED,
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

    private static void assertInvalid(RunResult r, String checker) {
        assertThat(r.verdict().validity()).as("verdict; report in %s", r.dir()).isEqualTo(Validity.INVALID);
        CheckResult part = r.verdict().parts().stream()
                .filter(p -> p.name().equals(checker))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no checker " + checker + " in " + r.dir()));
        assertThat(part.validity()).as("%s; report in %s", checker, r.dir()).isEqualTo(Validity.INVALID);
    }
}
