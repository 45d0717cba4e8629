package io.corral.jepsen.checker;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lease fencing (promise 2) as far as the final state can prove it. Every lease grant gets a fresh token (a Raft
 * index), a task's grants carry strictly increasing tokens, and only the current holder's report is accepted. So:
 *
 * <ul>
 *   <li>"token-order": a task's attempts have strictly increasing tokens, and a live lease's token beats them all;
 *   <li>"result-token": a committed result carries the token of the task's last grant, which is the attempt that
 *       SUCCEEDED. A completion with an older token accepted after a newer grant leaves a result whose token is not
 *       the last one (or a successful attempt followed by another);
 *   <li>"result-worker": the result names the worker of that attempt;
 *   <li>"lease-after-success": no lease is granted or held once a result is committed;
 *   <li>"lease-state": a LEASED task has a live lease and a finished one none.
 * </ul>
 *
 * <p>What the final state cannot show: a stale report accepted after a lease lapsed but before any newer grant (the
 * record then looks like an honest completion), and which accepted FAILED reports were stale (a retried task is
 * granted again after a failure in any case). Those need the workers' own histories.
 */
public final class LeaseFencingChecker {
    public static final String NAME = "lease-fencing";

    public CheckResult check(List<FinalJob> cluster) {
        CheckResult.Builder result = CheckResult.builder(NAME)
                .zero("token-order", "result-token", "result-worker", "lease-after-success", "lease-state");
        for (FinalJob job : cluster) {
            for (FinalTask task : job.tasks()) {
                result.count("tasks", 1);
                checkTokens(job, task, result);
                checkResult(job, task, result);
            }
        }
        return result.build();
    }

    private static void checkTokens(FinalJob job, FinalTask t, CheckResult.Builder result) {
        long last = 0;
        for (FinalAttempt a : t.attempts()) {
            if (a.token() <= last) {
                result.anomaly("token-order", example(job, t));
            }
            last = Math.max(last, a.token());
        }
        if (t.liveLeaseToken() != 0 && t.liveLeaseToken() <= last) {
            result.anomaly("token-order", example(job, t));
        }
        boolean leased = t.state() == io.corral.protocol.TaskState.LEASED;
        if (leased != (t.liveLeaseToken() != 0)) {
            result.anomaly("lease-state", example(job, t));
        }
    }

    private static void checkResult(FinalJob job, FinalTask t, CheckResult.Builder result) {
        List<FinalAttempt> successes = t.successes();
        if (successes.isEmpty()) {
            if (t.resultToken() != 0) {
                result.anomaly("result-token", example(job, t));
            }
            return;
        }
        FinalAttempt success = successes.get(successes.size() - 1);
        FinalAttempt last = t.attempts().get(t.attempts().size() - 1);
        if (last != success || t.liveLeaseToken() != 0) {
            result.anomaly("lease-after-success", example(job, t));
        }
        if (t.resultToken() != success.token() || t.resultToken() != last.token()) {
            result.anomaly("result-token", example(job, t));
        }
        if (t.resultWorker() != null && !t.resultWorker().equals(success.worker())) {
            result.anomaly("result-worker", example(job, t));
        }
    }

    private static Map<String, Object> example(FinalJob job, FinalTask t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", job.jobId());
        m.put("task", t.taskId());
        m.put("state", t.state());
        m.put("resultToken", t.resultToken());
        m.put("resultWorker", t.resultWorker());
        m.put("liveLeaseToken", t.liveLeaseToken());
        m.put(
                "attempts",
                t.attempts().stream()
                        .map(a -> a.token() + " " + a.worker() + " " + a.outcome())
                        .toList());
        return m;
    }
}
