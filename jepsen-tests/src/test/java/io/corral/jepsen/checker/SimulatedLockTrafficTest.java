package io.corral.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.jepsen.history.History;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The lock checkers on seeded traffic from {@link LockTrafficSimulator}: correct traffic must be valid, whatever the
 * share of unanswered operations, and the test-only fault of granting without checking the holder must be caught.
 */
class SimulatedLockTrafficTest {

    private static CheckResult linearizability(History history) {
        return new LinearizabilityChecker<>("lock", new MutexModel()).check(history);
    }

    @Test
    void twoThousandOperationsOverFiveLocksCheckWellUnderTheDefaultLimit() {
        History history = new LockTrafficSimulator(7, 5, 0.05, false).run(10, 2_000);
        long started = System.nanoTime();

        CheckResult r = linearizability(history);

        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("ops")).isEqualTo(2_000);
        assertThat(r.count("partitions")).isEqualTo(5);
        // Generous: it takes milliseconds; this only catches a search gone exponential.
        assertThat(took).isLessThan(LinearizabilityChecker.DEFAULT_TIME_LIMIT.dividedBy(2));
    }

    @ParameterizedTest(name = "seed {0}, {1} unanswered")
    @CsvSource({"1, 0.0", "2, 0.05", "3, 0.1", "4, 0.2", "5, 0.3", "6, 0.3", "7, 0.4", "8, 0.1"})
    void correctTrafficIsValidForEveryChecker(long seed, double infoRate) {
        History history = new LockTrafficSimulator(seed, 3, infoRate, false).run(8, 1_000);

        assertThat(linearizability(history).validity()).isEqualTo(Validity.VALID);
        assertThat(new MutualExclusionChecker().check(history).validity()).isEqualTo(Validity.VALID);
        assertThat(new FencingChecker().check(history).validity()).isEqualTo(Validity.VALID);
    }

    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"1", "2", "3"})
    void grantingWithoutCheckingTheHolderIsCaught(long seed) {
        History history = new LockTrafficSimulator(seed, 5, 0.1, true).run(10, 2_000);

        CheckResult r = linearizability(history);

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.examplesOf("not-linearizable")).isNotEmpty();
        assertThat(new MutualExclusionChecker().check(history).validity()).isEqualTo(Validity.INVALID);
        // Tokens still rise: fencing alone cannot see this fault, which is why mutual exclusion is checked.
        assertThat(new FencingChecker().check(history).validity()).isEqualTo(Validity.VALID);
    }

    @Test
    void aViolationLateInALongHistoryIsStillFound() {
        History history = new LockTrafficSimulator(1, 5, 0.03, 1_900).run(10, 2_000);

        assertThat(linearizability(history).validity()).isEqualTo(Validity.INVALID);
    }
}
