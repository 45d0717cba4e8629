package io.corral.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.jepsen.history.OpType;
import org.junit.jupiter.api.Test;

class FencingCheckerTest {
    private final HistoryBuilder h = new HistoryBuilder();

    private CheckResult check() {
        return new FencingChecker().check(h.build());
    }

    @Test
    void tokensRisingInRealTimeAcrossLocksAreValid() {
        h.acquireOk(1, "a", "c1", 1000, 5, 0, 1)
                .acquireOk(2, "b", "c2", 1000, 9, 2, 3)
                .release(1, OpType.OK, "a", "c1", 5, 4, 5)
                .acquireOk(3, "a", "c3", 1000, 12, 6, 7);

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("grants")).isEqualTo(3);
    }

    @Test
    void concurrentGrantsMayCompleteInEitherTokenOrder() {
        h.acquireOk(1, "a", "c1", 1000, 9, 0, 10).acquireOk(2, "b", "c2", 1000, 5, 1, 11);

        assertThat(check().validity()).isEqualTo(Validity.VALID);
    }

    @Test
    void aLaterGrantWithASmallerTokenIsInvalid() {
        h.acquireOk(1, "a", "c1", 1000, 9, 0, 1).acquireOk(2, "b", "c2", 1000, 5, 2, 3);

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("token-order")).isEqualTo(1);
        assertThat(r.examplesOf("token-order").get(0).get("later").toString()).contains("c2");
    }

    @Test
    void aTokenGrantedTwiceIsInvalidEvenOnDifferentLocks() {
        h.acquireOk(1, "a", "c1", 1000, 7, 0, 10).acquireOk(2, "b", "c2", 1000, 7, 1, 11);

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("token-reused")).isEqualTo(1);
    }

    @Test
    void unansweredAndRefusedAcquiresCarryNoToken() {
        h.acquireOk(1, "a", "c1", 1000, 9, 0, 1)
                .acquireInfo(2, "a", "c2", 1000, 2, 3)
                .acquireFail(3, "a", "c3", 1000, 4, 5);

        assertThat(check().validity()).isEqualTo(Validity.VALID);
    }
}
