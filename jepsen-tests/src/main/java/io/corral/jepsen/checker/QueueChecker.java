package io.corral.jepsen.checker;

import io.corral.jepsen.history.History;
import io.corral.jepsen.history.Op;
import io.corral.protocol.TaskState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The total-queue check of the submit workload (promises 1 and 2), on the history of submissions and the final state
 * of the cluster after heal and drain. The workload submits only good images, so every task must end SUCCEEDED.
 *
 * <p>A submission is identified by its idempotency key ({@code key}); the image it submits is {@code image} (or
 * {@code images}) in the invocation or the OK. A key's outcome is acknowledged if any submit of it was OK,
 * indeterminate if none was OK and one was INFO, failed if all were FAIL. Must be zero:
 *
 * <ul>
 *   <li>"lost": an acknowledged submission whose job is missing, or one of whose tasks did not reach SUCCEEDED with
 *       a committed result;
 *   <li>"incomplete-recovered": the same for a job whose submission was indeterminate but exists: once committed,
 *       its tasks are bound by the same promise;
 *   <li>"unexpected": a job whose key no client submitted (or which has no key);
 *   <li>"failed-but-present": a job whose every submit failed, a FAIL meaning "certainly not created";
 *   <li>"duplicate-job": two jobs with one key; "wrong-job-id": the job under a key is not the one acknowledged;
 *       "wrong-input": a job's task inputs differ from the images submitted;
 *   <li>"duplicate-result-commits": results committed beyond the first for one task (attempts that SUCCEEDED);
 *   <li>"not-terminal" and "inconsistent-task": every task must be in exactly one terminal state, and its record
 *       must agree with it: SUCCEEDED exactly when it has a result and a successful attempt;
 *   <li>"wrong-owner": a job whose owner is not the tenant whose token submitted it ({@code tenant} in the
 *       invocation; a history without tenants is not checked for this).
 * </ul>
 *
 * Reported, not errors: "recovered" (indeterminate submissions that exist) and "duplicate-executions" (attempts
 * beyond the first: execution is at least once, and a lease can lapse under a slow or partitioned worker).
 */
public final class QueueChecker {
    public static final String NAME = "queue";
    /** How many task problems one example of a lost job lists. */
    private static final int REASONS_SHOWN = 5;

    private enum Outcome {
        ACKNOWLEDGED,
        INDETERMINATE,
        FAILED
    }

    private static final class Submission {
        final Set<String> acknowledgedJobIds = new TreeSet<>();
        final List<String> images = new ArrayList<>();
        String tenant;
        boolean ok;
        boolean info;

        Outcome outcome() {
            return ok ? Outcome.ACKNOWLEDGED : info ? Outcome.INDETERMINATE : Outcome.FAILED;
        }
    }

    public CheckResult check(History history, List<FinalJob> cluster) {
        Map<String, Submission> submissions = submissions(history);
        Map<String, List<FinalJob>> byKey = new TreeMap<>();
        CheckResult.Builder result = CheckResult.builder(NAME)
                .zero("lost", "incomplete-recovered", "unexpected", "failed-but-present", "duplicate-job")
                .zero("wrong-job-id", "wrong-input", "wrong-owner", "duplicate-result-commits", "not-terminal")
                .zero("inconsistent-task")
                .zero("recovered", "duplicate-executions", "acknowledged", "indeterminate", "failed")
                .count("submitted", submissions.size())
                .count("jobs", cluster.size());
        for (FinalJob job : cluster) {
            if (job.key() == null || !submissions.containsKey(job.key())) {
                result.anomaly("unexpected", Maps.of("job", job.jobId(), "key", job.key()));
            } else {
                byKey.computeIfAbsent(job.key(), k -> new ArrayList<>()).add(job);
            }
            checkTasks(job, result);
        }
        submissions.forEach((key, s) -> checkSubmission(key, s, byKey.getOrDefault(key, List.of()), result));
        return result.build();
    }

    private static Map<String, Submission> submissions(History history) {
        Map<String, Submission> byKey = new TreeMap<>();
        for (Operation op : Operation.pair(history)) {
            if (!op.f().equals("submit")) {
                continue;
            }
            String key = op.invoke().string("key");
            if (key == null) {
                throw new IllegalArgumentException("a submit carries its idempotency key: " + op);
            }
            Submission s = byKey.computeIfAbsent(key, k -> new Submission());
            if (s.images.isEmpty()) {
                s.images.addAll(images(op));
            }
            if (s.tenant == null) {
                s.tenant = op.invoke().string("tenant");
            }
            if (op.isOk()) {
                s.ok = true;
                if (op.completion().string("job") != null) {
                    s.acknowledgedJobIds.add(op.completion().string("job"));
                }
            } else if (op.isInfo()) {
                s.info = true;
            }
        }
        return byKey;
    }

    /**
     * The submitted images' SHA-256s: {@code images} (a list) or {@code image} (one), from the completion or the
     * invocation (a workload that uploads inside the operation learns the hash only then).
     */
    private static List<String> images(Operation op) {
        for (Op entry : new Op[] {op.completion(), op.invoke()}) {
            if (entry != null && entry.value().get("images") instanceof List<?> list) {
                return list.stream().map(String::valueOf).sorted().toList();
            }
        }
        String image = op.string("image");
        return image == null ? List.of() : List.of(image);
    }

    private static void checkSubmission(String key, Submission s, List<FinalJob> jobs, CheckResult.Builder result) {
        Outcome outcome = s.outcome();
        result.count(outcome.name().toLowerCase(Locale.ROOT), 1);
        if (jobs.size() > 1) {
            result.anomaly(
                    "duplicate-job",
                    Maps.of(
                            "key",
                            key,
                            "jobs",
                            jobs.stream().map(FinalJob::jobId).toList()));
        }
        FinalJob job = jobs.isEmpty() ? null : jobs.get(0);
        if (job == null) {
            if (outcome == Outcome.ACKNOWLEDGED) {
                result.anomaly("lost", Maps.of("key", key, "job", s.acknowledgedJobIds, "reasons", List.of("missing")));
            }
            return;
        }
        checkInputs(key, s, job, result);
        if (s.tenant != null && !s.tenant.equals(job.owner())) {
            result.anomaly(
                    "wrong-owner",
                    Maps.of("key", key, "job", job.jobId(), "submitter", s.tenant, "owner", job.owner()));
        }
        List<String> problems = incompleteTasks(job);
        switch (outcome) {
            case ACKNOWLEDGED -> {
                if (!s.acknowledgedJobIds.isEmpty() && !s.acknowledgedJobIds.contains(job.jobId())) {
                    result.anomaly(
                            "wrong-job-id",
                            Maps.of("key", key, "acknowledged", s.acknowledgedJobIds, "found", job.jobId()));
                }
                if (!problems.isEmpty()) {
                    result.anomaly("lost", Maps.of("key", key, "job", job.jobId(), "reasons", shown(problems)));
                }
            }
            case INDETERMINATE -> {
                result.note("recovered", Maps.of("key", key, "job", job.jobId()));
                if (!problems.isEmpty()) {
                    result.anomaly(
                            "incomplete-recovered",
                            Maps.of("key", key, "job", job.jobId(), "reasons", shown(problems)));
                }
            }
            case FAILED -> result.anomaly("failed-but-present", Maps.of("key", key, "job", job.jobId()));
        }
    }

    private static void checkInputs(String key, Submission s, FinalJob job, CheckResult.Builder result) {
        List<String> inputs = job.tasks().stream().map(FinalTask::inputSha256).toList();
        if (s.images.isEmpty() || inputs.contains(null)) {
            return;
        }
        List<String> sorted = inputs.stream().sorted().toList();
        if (!sorted.equals(s.images)) {
            result.anomaly(
                    "wrong-input", Maps.of("key", key, "job", job.jobId(), "submitted", s.images, "tasks", sorted));
        }
    }

    /** Why the job does not count as done: each task that is not SUCCEEDED with a committed result. */
    private static List<String> incompleteTasks(FinalJob job) {
        List<String> problems = new ArrayList<>();
        if (job.tasks().isEmpty()) {
            problems.add("no tasks");
        }
        for (FinalTask t : job.tasks()) {
            if (t.state() != TaskState.SUCCEEDED) {
                problems.add(t.taskId() + " is " + t.state() + errorOf(t));
            } else if (t.resultSha256() == null) {
                problems.add(t.taskId() + " SUCCEEDED without a committed result");
            }
        }
        return problems;
    }

    private static String errorOf(FinalTask t) {
        List<FinalAttempt> attempts = t.attempts();
        String error =
                attempts.isEmpty() ? null : attempts.get(attempts.size() - 1).error();
        return error == null ? "" : " (" + error + ")";
    }

    private static void checkTasks(FinalJob job, CheckResult.Builder result) {
        for (FinalTask t : job.tasks()) {
            result.count("tasks", 1)
                    .count("tasks-" + t.state(), 1)
                    .count("attempts", t.attempts().size());
            if (!t.state().isTerminal()) {
                result.anomaly("not-terminal", task(job, t));
            }
            String inconsistency = inconsistency(t);
            if (inconsistency != null) {
                Map<String, Object> example = task(job, t);
                example.put("problem", inconsistency);
                result.anomaly("inconsistent-task", example);
            }
            int commits = t.successes().size();
            if (commits > 1) {
                result.anomaly("duplicate-result-commits", commits - 1, withAttempts(job, t));
            }
            if (t.attempts().size() > 1) {
                result.note("duplicate-executions", t.attempts().size() - 1, withAttempts(job, t));
            }
        }
    }

    /** Whether the task's record agrees with its state; null when it does. */
    private static String inconsistency(FinalTask t) {
        boolean succeeded = t.state() == TaskState.SUCCEEDED;
        if (succeeded && t.resultSha256() == null) {
            return "SUCCEEDED without a result";
        }
        if (!succeeded && t.resultSha256() != null) {
            return t.state() + " with a committed result";
        }
        if (succeeded && t.successes().isEmpty()) {
            return "SUCCEEDED without a successful attempt";
        }
        if (!succeeded && !t.successes().isEmpty()) {
            return t.state() + " although an attempt committed a result";
        }
        return null;
    }

    private static Map<String, Object> task(FinalJob job, FinalTask t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", job.jobId());
        m.put("key", job.key());
        m.put("task", t.taskId());
        m.put("state", t.state());
        return m;
    }

    private static Map<String, Object> withAttempts(FinalJob job, FinalTask t) {
        Map<String, Object> m = task(job, t);
        m.put(
                "attempts",
                t.attempts().stream()
                        .map(a -> a.token() + " " + a.worker() + " " + a.outcome())
                        .toList());
        return m;
    }

    private static List<String> shown(List<String> problems) {
        return problems.size() <= REASONS_SHOWN ? problems : problems.subList(0, REASONS_SHOWN);
    }
}
