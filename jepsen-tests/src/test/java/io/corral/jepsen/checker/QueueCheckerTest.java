package io.corral.jepsen.checker;

import static io.corral.jepsen.checker.FinalStates.attempt;
import static io.corral.jepsen.checker.FinalStates.job;
import static io.corral.jepsen.checker.FinalStates.succeeded;
import static io.corral.jepsen.checker.FinalStates.task;
import static io.corral.jepsen.checker.HistoryBuilder.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.jepsen.checker.FinalAttempt.Outcome;
import io.corral.jepsen.history.OpType;
import io.corral.protocol.TaskState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QueueCheckerTest {
    private final HistoryBuilder h = new HistoryBuilder();
    private final List<FinalJob> cluster = new ArrayList<>();
    private int process;

    /** A submit of {@code key} (image "img-key") answered with {@code outcome}; an OK names job "job-key". */
    private void submit(String key, OpType outcome) {
        double t = process * 10;
        Map<String, Object> result = outcome == OpType.OK ? map("key", key, "job", "job-" + key) : Map.of();
        h.op(process++, "submit", map("key", key, "image", "img-" + key), t, outcome, result, t + 5);
    }

    /** The job the cluster holds for {@code key}, its one task done on the first attempt. */
    private void done(String key) {
        cluster.add(job("job-" + key, key, succeeded("t-" + key, "img-" + key, attempt("w1", 10, Outcome.SUCCEEDED))));
    }

    private CheckResult check() {
        return new QueueChecker().check(h.build(), cluster);
    }

    @Test
    void everyAcknowledgedJobDoneIsValid() {
        submit("k1", OpType.OK);
        submit("k2", OpType.OK);
        submit("k3", OpType.FAIL);
        submit("k4", OpType.INFO);
        done("k1");
        done("k2");

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("acknowledged")).isEqualTo(2);
        assertThat(r.count("failed")).isEqualTo(1);
        assertThat(r.count("indeterminate")).isEqualTo(1);
        assertThat(r.count("tasks-SUCCEEDED")).isEqualTo(2);
        assertThat(r.count("lost")).isZero();
        assertThat(r.counts()).containsKeys("unexpected", "duplicate-result-commits");
    }

    @Test
    void aJobOwnedByAnotherTenantThanItsSubmittersIsWrongOwner() {
        // What losing or mixing up the submitter's identity on a forwarded or retried submission would leave.
        h.op(
                process++,
                "submit",
                map("key", "k1", "tenant", "alice", "image", "img-k1"),
                0,
                OpType.OK,
                map("key", "k1", "job", "job-k1"),
                5);
        h.op(process++, "submit", map("key", "k2", "tenant", "bob", "image", "img-k2"), 10, OpType.INFO, Map.of(), 15);
        h.op(
                process++,
                "submit",
                map("key", "k3", "tenant", "bob", "image", "img-k3"),
                20,
                OpType.OK,
                map("key", "k3", "job", "job-k3"),
                25);
        FinalAttempt a = attempt("w1", 10, Outcome.SUCCEEDED);
        cluster.add(owned(job("job-k1", "k1", succeeded("t-k1", "img-k1", a)), "alice"));
        cluster.add(owned(job("job-k2", "k2", succeeded("t-k2", "img-k2", a)), "alice"));
        cluster.add(owned(job("job-k3", "k3", succeeded("t-k3", "img-k3", a)), null));

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("wrong-owner")).isEqualTo(2);
        assertThat(r.examplesOf("wrong-owner"))
                .extracting(e -> e.get("key"), e -> e.get("submitter"), e -> e.get("owner"))
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("k2", "bob", "alice"),
                        org.assertj.core.groups.Tuple.tuple("k3", "bob", null));
    }

    @Test
    void aHistoryWithoutTenantsIsNotCheckedForOwners() {
        submit("k1", OpType.OK);
        cluster.add(owned(job("job-k1", "k1", succeeded("t-k1", "img-k1", attempt("w1", 10, Outcome.SUCCEEDED))), "x"));

        assertThat(check().validity()).isEqualTo(Validity.VALID);
    }

    private static FinalJob owned(FinalJob j, String owner) {
        return new FinalJob(j.jobId(), j.key(), j.state(), j.tasks(), owner);
    }

    @Test
    void anAcknowledgedSubmissionMissingFromTheClusterIsLost() {
        // What "acknowledge a submission before it is committed" leaves after a leader crash.
        submit("k1", OpType.OK);
        submit("k2", OpType.OK);
        done("k1");

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("lost")).isEqualTo(1);
        assertThat(r.examplesOf("lost").get(0)).containsEntry("key", "k2");
    }

    @Test
    void anAcknowledgedJobWithAnUnfinishedOrFailedTaskIsLost() {
        submit("k1", OpType.OK);
        submit("k2", OpType.OK);
        cluster.add(job("job-k1", "k1", task("t-k1", TaskState.PENDING)));
        cluster.add(job("job-k2", "k2", task("t-k2", TaskState.DEAD, attempt("w1", 3, Outcome.EXPIRED))));

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("lost")).isEqualTo(2);
        assertThat(r.count("not-terminal")).isEqualTo(1);
        assertThat(r.examplesOf("lost").toString()).contains("t-k1 is PENDING", "t-k2 is DEAD");
    }

    @Test
    void aJobNobodySubmittedIsUnexpected() {
        submit("k1", OpType.OK);
        done("k1");
        done("k9");
        cluster.add(job("job-x", null, succeeded("t-x", null, attempt("w1", 4, Outcome.SUCCEEDED))));

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("unexpected")).isEqualTo(2);
    }

    @Test
    void anIndeterminateSubmissionThatExistsIsRecoveredAndMustStillFinish() {
        submit("k1", OpType.INFO);
        submit("k2", OpType.INFO);
        done("k1");
        cluster.add(job("job-k2", "k2", task("t-k2", TaskState.LEASED)));

        CheckResult r = check();

        assertThat(r.count("recovered")).isEqualTo(2);
        assertThat(r.count("incomplete-recovered")).isEqualTo(1);
        assertThat(r.validity()).isEqualTo(Validity.INVALID);
    }

    @Test
    void aFailedSubmissionThatExistsIsInvalid() {
        submit("k1", OpType.FAIL);
        done("k1");

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("failed-but-present")).isEqualTo(1);
    }

    @Test
    void aRetriedSubmissionIsAcknowledgedIfAnyAttemptWas() {
        submit("k1", OpType.INFO);
        submit("k1", OpType.OK);
        done("k1");

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("submitted")).isEqualTo(1);
        assertThat(r.count("acknowledged")).isEqualTo(1);
    }

    @Test
    void theImageMayBeLearnedOnlyWithTheAnswer() {
        h.op(0, "submit", map("key", "k1"), 0, OpType.OK, map("key", "k1", "job", "job-k1", "image", "img-k1"), 1);
        h.op(1, "submit", map("key", "k2"), 0, OpType.OK, map("key", "k2", "job", "job-k2", "image", "img-k2"), 1);
        done("k1");
        cluster.add(job("job-k2", "k2", succeeded("t-k2", "img-other", attempt("w1", 5, Outcome.SUCCEEDED))));

        CheckResult r = check();

        assertThat(r.count("wrong-input")).isEqualTo(1);
        assertThat(r.examplesOf("wrong-input").get(0)).containsEntry("key", "k2");
    }

    @Test
    void duplicateExecutionsAreReportedNotErrors() {
        submit("k1", OpType.OK);
        cluster.add(job(
                "job-k1",
                "k1",
                succeeded(
                        "t-k1",
                        "img-k1",
                        attempt("w1", 3, Outcome.EXPIRED),
                        attempt("w2", 7, Outcome.RELEASED),
                        attempt("w3", 9, Outcome.SUCCEEDED))));

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("duplicate-executions")).isEqualTo(2);
        assertThat(r.examplesOf("duplicate-executions").get(0).get("attempts").toString())
                .contains("3 w1 EXPIRED");
    }

    @Test
    void aResultCommittedTwiceIsInvalid() {
        submit("k1", OpType.OK);
        cluster.add(job(
                "job-k1",
                "k1",
                succeeded("t-k1", "img-k1", attempt("w1", 3, Outcome.SUCCEEDED), attempt("w2", 7, Outcome.SUCCEEDED))));

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("duplicate-result-commits")).isEqualTo(1);
    }

    @Test
    void aTaskRecordDisagreeingWithItsStateIsInvalid() {
        submit("k1", OpType.OK);
        submit("k2", OpType.OK);
        cluster.add(job("job-k1", "k1", task("t-k1", TaskState.SUCCEEDED, attempt("w1", 3, Outcome.SUCCEEDED))));
        cluster.add(job("job-k2", "k2", task("t-k2", TaskState.FAILED, attempt("w1", 4, Outcome.SUCCEEDED))));

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("inconsistent-task")).isEqualTo(2);
        assertThat(r.examplesOf("inconsistent-task").toString())
                .contains("SUCCEEDED without a result", "FAILED although an attempt committed a result");
    }

    @Test
    void twoJobsForOneKeyTheWrongJobOrTheWrongImageAreInvalid() {
        submit("k1", OpType.OK);
        submit("k2", OpType.OK);
        submit("k3", OpType.OK);
        done("k1");
        done("k1");
        cluster.add(job("job-other", "k2", succeeded("t-k2", "img-k2", attempt("w1", 5, Outcome.SUCCEEDED))));
        cluster.add(job("job-k3", "k3", succeeded("t-k3", "img-k1", attempt("w1", 6, Outcome.SUCCEEDED))));

        CheckResult r = check();

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("duplicate-job")).isEqualTo(1);
        assertThat(r.count("wrong-job-id")).isEqualTo(1);
        assertThat(r.count("wrong-input")).isEqualTo(1);
    }
}
