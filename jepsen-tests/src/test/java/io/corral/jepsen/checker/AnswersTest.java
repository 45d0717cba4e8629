package io.corral.jepsen.checker;

import static io.corral.jepsen.checker.HistoryBuilder.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.jepsen.history.OpType;
import io.corral.protocol.ErrorCode;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnswersTest {
    private static Operation op(OpType type, String error) {
        return new HistoryBuilder()
                .op(0, "submit", map("key", "k"), 0, type, Map.of(), 1, error)
                .operations()
                .get(0);
    }

    @Test
    void okAndRefusalsAreAnswers() {
        assertThat(Answers.answered(op(OpType.OK, null))).isTrue();
        assertThat(Answers.answered(op(OpType.FAIL, "LOCK_HELD: lock 'a' is held by p1")))
                .isTrue();
        assertThat(Answers.answered(op(OpType.FAIL, "STALE_TOKEN: not the current token")))
                .isTrue();
        assertThat(Answers.answered(op(OpType.FAIL, "CONFLICT: the job is finished")))
                .isTrue();
    }

    @Test
    void unknownOutcomesAndRetryableCodesAreNot() {
        assertThat(Answers.answered(op(OpType.INFO, "TIMEOUT: no answer"))).isFalse();
        assertThat(Answers.answered(op(OpType.INFO, null))).isFalse();
        assertThat(Answers.answered(op(OpType.FAIL, "upload: UNAVAILABLE: raft error")))
                .isFalse();
        assertThat(Answers.answered(op(OpType.FAIL, "OVERLOADED: too many requests")))
                .isFalse();
        assertThat(Answers.answered(op(OpType.FAIL, "java.io.IOException: reset")))
                .isFalse();
    }

    @Test
    void theCodeIsTheFirstPartThatNamesOne() {
        assertThat(Answers.code("upload: UNAVAILABLE: raft error: LOCK_HELD")).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(Answers.code("STALE_TOKEN: x")).isEqualTo(ErrorCode.STALE_TOKEN);
        assertThat(Answers.code("stale token")).isNull();
        assertThat(Answers.code(null)).isNull();
    }
}
