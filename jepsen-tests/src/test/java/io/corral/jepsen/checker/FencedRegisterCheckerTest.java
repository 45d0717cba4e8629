package io.corral.jepsen.checker;

import static io.corral.jepsen.checker.HistoryBuilder.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.jepsen.history.OpType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FencedRegisterCheckerTest {
    private final FencedRegister register = new FencedRegister();
    private final HistoryBuilder h = new HistoryBuilder();
    private double clockMs;

    /** A workload step: a fenced read, then a write of what was read plus one, recorded as the workload does. */
    private void increment(int process, String lock, long token) {
        register.read(lock, token).ifPresent(v -> write(process, lock, token, v));
    }

    private void write(int process, String lock, long token, long read) {
        Map<String, Object> args = map("lock", lock, "token", token, "read", read, "value", read + 1);
        boolean ok = register.write(lock, token, read, read + 1);
        h.op(process, "write", args, clockMs, ok ? OpType.OK : OpType.FAIL, args, clockMs + 0.5);
        clockMs += 1;
    }

    private CheckResult check() {
        return new FencedRegisterChecker().check(h.build(), register.snapshot());
    }

    @Test
    void incrementsInTokenOrderAreValid() {
        increment(1, "a", 5);
        increment(2, "a", 9);
        increment(1, "b", 6);
        write(3, "a", 7, 2); // refused: token 7 < 9

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("writes-accepted")).isEqualTo(3);
        assertThat(r.count("writes-refused")).isEqualTo(1);
    }

    @Test
    void twoHoldersSharingATokenLoseAnUpdate() {
        register.read("a", 5);
        register.read("a", 5);
        write(1, "a", 5, 0);
        write(2, "a", 5, 0); // read 0 too: its increment overwrote the first

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("lost-update")).isEqualTo(1);
        assertThat(r.count("final-value")).isEqualTo(1);
        assertThat(r.examplesOf("lost-update").get(0)).containsEntry("read", 0L).containsEntry("valueBefore", 1L);
    }

    @Test
    void aWriteAcceptedByTheRegisterButMissingFromTheHistoryIsAHarnessBug() {
        increment(1, "a", 5);
        register.write("a", 5, 1, 2); // not recorded

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("history-mismatch")).isEqualTo(1);
    }

    @Test
    void anUnansweredWriteMayOrMayNotHaveBeenAccepted() {
        increment(1, "a", 5);
        h.op(2, "write", map("lock", "a", "token", 6L, "read", 1L, "value", 2L), 10, OpType.INFO, Map.of(), 11);
        register.write("a", 6, 1, 2);

        assertThat(check().validity()).isEqualTo(Validity.VALID);
    }

    @Test
    void aRegisterWhoseValueDisagreesWithItsLogIsInvalid() {
        FencedRegister.Cell cell = new FencedRegister.Cell(5, 3, List.of(new FencedRegister.Write(1, 5, 0, 1)), 0);
        h.op(1, "write", map("lock", "a", "token", 5L, "read", 0L, "value", 1L), 0, OpType.OK, Map.of(), 1);

        CheckResult r = new FencedRegisterChecker().check(h.build(), Map.of("a", cell));

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("final-value")).isEqualTo(1);
    }
}
