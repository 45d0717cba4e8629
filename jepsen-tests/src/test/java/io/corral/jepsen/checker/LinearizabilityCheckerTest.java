package io.corral.jepsen.checker;

import static io.corral.jepsen.checker.HistoryBuilder.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.jepsen.history.History;
import io.corral.jepsen.history.Op;
import io.corral.jepsen.history.OpType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The WGL engine on a plain read/write register, whose answers are easy to see by hand. */
class LinearizabilityCheckerTest {

    /** A register per key: write sets it, read must see it; "flip" nondeterministically sets 0 or 1. */
    static final class RegisterModel implements Model<Long> {
        @Override
        public Long initial() {
            return 0L;
        }

        @Override
        public List<Long> step(Long state, Operation op) {
            return switch (op.f()) {
                case "write" -> List.of(op.longValue("value", -1));
                case "read" -> op.isInfo() || op.longValue("value", -1) == state ? List.of(state) : List.of();
                case "flip" -> List.of(0L, 1L);
                default -> List.of();
            };
        }

        @Override
        public String partition(Operation op) {
            return op.invoke().string("key");
        }
    }

    private final HistoryBuilder h = new HistoryBuilder();

    private HistoryBuilder write(int p, long v, OpType outcome, double s, double e) {
        return h.op(p, "write", map("key", "x", "value", v), s, outcome, Map.of(), e);
    }

    private HistoryBuilder read(int p, long v, double s, double e) {
        return h.op(p, "read", map("key", "x"), s, OpType.OK, map("value", v), e);
    }

    private static CheckResult check(History history) {
        return new LinearizabilityChecker<>("register", new RegisterModel()).check(history);
    }

    @Test
    void sequentialHistoryIsValid() {
        write(1, 1, OpType.OK, 0, 1);
        read(2, 1, 2, 3);
        write(1, 2, OpType.OK, 4, 5);
        read(2, 2, 6, 7);

        CheckResult r = check(h.build());

        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("ops")).isEqualTo(4);
        assertThat(r.count("partitions-valid")).isEqualTo(1);
    }

    @Test
    void concurrentOperationsMayTakeEffectInEitherOrder() {
        write(1, 1, OpType.OK, 0, 10);
        read(2, 1, 1, 2); // sees the write before it returned
        read(3, 1, 3, 4);
        write(4, 2, OpType.OK, 5, 20);
        read(5, 1, 6, 7); // the second write had not taken effect yet
        read(6, 2, 8, 9);

        assertThat(check(h.build()).validity()).isEqualTo(Validity.VALID);
    }

    @Test
    void staleReadIsInvalidWithTheReadAsCounterexample() {
        write(1, 1, OpType.OK, 0, 1);
        write(1, 2, OpType.OK, 2, 3);
        read(2, 1, 4, 5);

        CheckResult r = check(h.build());

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("not-linearizable")).isEqualTo(1);
        Map<String, Object> example = r.examplesOf("not-linearizable").get(0);
        assertThat(example).containsEntry("partition", "x").containsEntry("linearizedPrefixLength", 2);
        @SuppressWarnings("unchecked")
        Map<String, Object> blocked = (Map<String, Object>) example.get("cannotLinearize");
        assertThat(blocked).containsEntry("f", "read").containsEntry("process", 2);
        assertThat(example.get("state")).isEqualTo("2");
    }

    @Test
    void infoWriteMayTakeEffectLateButNotBeUndone() {
        write(1, 1, OpType.INFO, 0, 1);
        read(2, 0, 2, 3);
        read(2, 1, 50, 51); // the write took effect long after the client gave up: fine
        assertThat(check(h.build()).validity()).isEqualTo(Validity.VALID);

        read(2, 0, 60, 61); // ... but it cannot be undone
        assertThat(check(h.build()).validity()).isEqualTo(Validity.INVALID);
    }

    @Test
    void infoWriteMayNeverTakeEffect() {
        write(1, 7, OpType.INFO, 0, 1);
        read(2, 0, 2, 3);
        read(2, 0, 100, 101);

        assertThat(check(h.build()).validity()).isEqualTo(Validity.VALID);
    }

    @Test
    void infoWriteCannotTakeEffectBeforeItsInvocation() {
        read(2, 7, 0, 1);
        write(1, 7, OpType.INFO, 2, 3);

        assertThat(check(h.build()).validity()).isEqualTo(Validity.INVALID);
    }

    @Test
    void unfinishedInvocationIsTreatedAsInfo() {
        h.open(1, "write", map("key", "x", "value", 3L), 0);
        read(2, 3, 5, 6);

        assertThat(check(h.build()).validity()).isEqualTo(Validity.VALID);
    }

    @Test
    void failedOperationsAreLeftOutByDefault() {
        write(1, 9, OpType.FAIL, 0, 1);
        read(2, 0, 2, 3);

        CheckResult r = check(h.build());

        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("ops")).isEqualTo(1);
    }

    @Test
    void nondeterministicStepsAreAllExplored() {
        h.op(1, "flip", map("key", "x"), 0, OpType.OK, Map.of(), 1);
        read(2, 1, 2, 3);
        h.op(1, "flip", map("key", "x"), 4, OpType.OK, Map.of(), 5);
        read(2, 0, 6, 7);

        assertThat(check(h.build()).validity()).isEqualTo(Validity.VALID);
    }

    @Test
    void partitionsAreCheckedSeparatelyAndTheWorstVerdictWins() {
        h.op(1, "write", map("key", "y", "value", 5L), 0, OpType.OK, Map.of(), 1);
        h.op(2, "read", map("key", "y"), 2, OpType.OK, map("value", 5L), 3);
        write(3, 1, OpType.OK, 0, 1);
        read(4, 0, 2, 3);

        CheckResult r = check(h.build());

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("partitions")).isEqualTo(2);
        assertThat(r.count("partitions-valid")).isEqualTo(1);
        assertThat(r.count("partitions-invalid")).isEqualTo(1);
        assertThat(r.examplesOf("not-linearizable").get(0)).containsEntry("partition", "x");
    }

    @Test
    void nemesisEventsAreIgnored() {
        h.nemesis("partition-start", 0.5);
        write(1, 1, OpType.OK, 0, 1);
        h.nemesis("partition-stop", 1.5);
        read(2, 1, 2, 3);

        assertThat(check(h.build()).validity()).isEqualTo(Validity.VALID);
    }

    @Test
    void runningOutOfTimeIsUnknownNeverValid() {
        for (int i = 0; i < 200; i++) {
            write(i, i % 3, OpType.INFO, 0, 1);
        }
        read(1000, 1, 2, 3);
        read(1000, 2, 4, 5);
        read(1000, 5, 6, 7); // never written: the search must try every subset of the writes to prove it
        AtomicLong now = new AtomicLong();
        LinearizabilityChecker<Long> checker = new LinearizabilityChecker<>(
                "register", new RegisterModel(), Duration.ofMillis(5), () -> now.addAndGet(1_000_000), 1_000_000);

        CheckResult r = checker.check(h.build());

        assertThat(r.validity()).isEqualTo(Validity.UNKNOWN);
        assertThat(r.count("partitions-unknown")).isEqualTo(1);
        assertThat(r.examplesOf("search-limit").get(0).get("reason").toString()).contains("time limit");
    }

    @Test
    void aFullSearchCacheIsUnknown() {
        write(1, 1, OpType.OK, 0, 1);
        read(2, 1, 2, 3);
        write(1, 2, OpType.OK, 4, 5);
        LinearizabilityChecker<Long> checker = new LinearizabilityChecker<>(
                "register", new RegisterModel(), Duration.ofSeconds(10), System::nanoTime, 1);

        assertThat(checker.check(h.build()).validity()).isEqualTo(Validity.UNKNOWN);
    }

    @Test
    void malformedHistoryIsAHarnessBug() {
        List<Op> ops = List.of(new Op(0, 1, OpType.OK, "read", Map.of(), 0, null));

        assertThatThrownBy(() -> check(History.of(ops)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("completes nothing");
    }
}
