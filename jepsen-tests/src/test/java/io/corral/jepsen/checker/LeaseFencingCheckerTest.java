package io.corral.jepsen.checker;

import static io.corral.jepsen.checker.FinalStates.attempt;
import static io.corral.jepsen.checker.FinalStates.job;
import static io.corral.jepsen.checker.FinalStates.succeeded;
import static io.corral.jepsen.checker.FinalStates.task;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.jepsen.checker.FinalAttempt.Outcome;
import io.corral.protocol.TaskState;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaseFencingCheckerTest {
    private static CheckResult check(FinalTask... tasks) {
        return new LeaseFencingChecker().check(List.of(job("j1", "k1", tasks)));
    }

    @Test
    void resultOfTheLastGrantAfterRetriesIsValid() {
        CheckResult r = check(
                succeeded(
                        "t1",
                        "img",
                        attempt("w1", 3, Outcome.EXPIRED),
                        attempt("w2", 7, Outcome.FAILED),
                        attempt("w3", 9, Outcome.SUCCEEDED)),
                task("t2", TaskState.PENDING, attempt("w1", 4, Outcome.RELEASED)),
                new FinalTask("t3", "img", TaskState.LEASED, null, 0, null, List.of(), 12));

        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("tasks")).isEqualTo(3);
    }

    @Test
    void aStaleCompletionAcceptedAfterANewerGrantIsInvalid() {
        // w1's lease (token 3) lapsed and the task went to w2 (token 7); the result is w1's, with its old token.
        FinalTask t = new FinalTask(
                "t1",
                "img",
                TaskState.SUCCEEDED,
                "out",
                3,
                "w1",
                List.of(attempt("w1", 3, Outcome.EXPIRED), attempt("w2", 7, Outcome.SUCCEEDED)),
                0);

        CheckResult r = check(t);

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("result-token")).isEqualTo(1);
        assertThat(r.count("result-worker")).isEqualTo(1);
    }

    @Test
    void aGrantAfterTheResultWasCommittedIsInvalid() {
        FinalTask regranted = new FinalTask(
                "t1",
                "img",
                TaskState.SUCCEEDED,
                "out",
                3,
                "w1",
                List.of(attempt("w1", 3, Outcome.SUCCEEDED), attempt("w2", 7, Outcome.EXPIRED)),
                0);
        FinalTask stillLeased = new FinalTask(
                "t2", "img", TaskState.SUCCEEDED, "out", 3, "w1", List.of(attempt("w1", 3, Outcome.SUCCEEDED)), 8);

        CheckResult r = check(regranted, stillLeased);

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("lease-after-success")).isEqualTo(2);
        assertThat(r.count("lease-state")).isEqualTo(1);
    }

    @Test
    void tokensThatDoNotRiseAreInvalid() {
        CheckResult r = check(
                task("t1", TaskState.PENDING, attempt("w1", 7, Outcome.EXPIRED), attempt("w2", 7, Outcome.EXPIRED)),
                new FinalTask(
                        "t2", "img", TaskState.LEASED, null, 0, null, List.of(attempt("w1", 9, Outcome.EXPIRED)), 9));

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("token-order")).isEqualTo(2);
    }

    @Test
    void leaseStateMustMatchTheTaskState() {
        CheckResult r = check(new FinalTask("t1", "img", TaskState.LEASED, null, 0, null, List.of(), 0));

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("lease-state")).isEqualTo(1);
    }

    @Test
    void aResultTokenOnAnUnfinishedTaskIsInvalid() {
        CheckResult r = check(new FinalTask(
                "t1", "img", TaskState.PENDING, null, 3, null, List.of(attempt("w1", 3, Outcome.EXPIRED)), 0));

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("result-token")).isEqualTo(1);
    }
}
