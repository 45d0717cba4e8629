package io.corral.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.jepsen.history.OpType;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MutualExclusionCheckerTest {
    private final HistoryBuilder h = new HistoryBuilder();

    private CheckResult check() {
        return new MutualExclusionChecker(Duration.ZERO).check(h.build());
    }

    @Test
    void holdsEndedByReleaseOrLapseAreValid() {
        h.acquireOk(1, "a", "c1", 100, 5, 0, 1)
                .release(1, OpType.OK, "a", "c1", 5, 2, 3)
                .acquireOk(2, "a", "c2", 100, 9, 4, 5)
                .acquireOk(3, "a", "c3", 100, 12, 120, 121); // c2's hold lapsed

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("pairs-checked")).isEqualTo(2);
    }

    @Test
    void anUnansweredReleaseMayHaveEndedTheHold() {
        h.acquireOk(1, "a", "c1", 60_000, 5, 0, 1)
                .release(1, OpType.INFO, "a", "c1", 5, 2, 3)
                .acquireOk(2, "a", "c2", 60_000, 9, 4, 5);

        assertThat(check().validity()).isEqualTo(Validity.VALID);
    }

    @Test
    void aGrantBeforeTheHoldCouldEndIsInvalid() {
        h.acquireOk(1, "a", "c1", 100, 5, 0, 1)
                .acquireOk(2, "a", "c2", 100, 9, 50, 60)
                .release(1, OpType.OK, "a", "c1", 5, 70, 71); // too late to have ended it

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("overlapping-holds")).isEqualTo(1);
        assertThat(r.examplesOf("overlapping-holds").get(0)).containsEntry("lock", "a");
    }

    @Test
    void aRenewalPushesTheLapseBack() {
        h.acquireOk(1, "a", "c1", 100, 5, 0, 1)
                .renew(1, OpType.OK, "a", "c1", 5, 80, 81)
                .acquireOk(2, "a", "c2", 100, 9, 150, 151);

        assertThat(check().validity()).isEqualTo(Validity.INVALID);
    }

    @Test
    void grantsAreComparedInTokenOrderPerLock() {
        // Listed out of token order and interleaved with another lock.
        h.acquireOk(2, "a", "c2", 100, 9, 200, 201)
                .acquireOk(1, "a", "c1", 100, 5, 0, 1)
                .acquireOk(3, "b", "c3", 100, 7, 2, 3);

        assertThat(check().validity()).isEqualTo(Validity.VALID);
    }

    @Test
    void theFaultOfGrantingWithoutCheckingTheHolderIsCaughtDespiteManyUnansweredOperations() {
        CheckResult r = new MutualExclusionChecker().check(new LockTrafficSimulator(3, 5, 0.2, 1_900).run(10, 2_000));

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
    }

    @Test
    void correctSimulatedTrafficIsValid() {
        for (long seed = 1; seed <= 5; seed++) {
            CheckResult r =
                    new MutualExclusionChecker().check(new LockTrafficSimulator(seed, 3, 0.2, false).run(8, 1_000));
            assertThat(r.validity()).as("seed %d", seed).isEqualTo(Validity.VALID);
        }
    }
}
