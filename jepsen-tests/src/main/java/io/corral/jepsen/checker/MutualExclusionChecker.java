package io.corral.jepsen.checker;

import io.corral.jepsen.history.History;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Mutual exclusion between the grants clients learned of, in polynomial time: a necessary condition of the lock
 * model, checked without a search, so it still gives a verdict where {@link LinearizabilityChecker} runs out of time
 * on a history with many unanswered operations. Sound: everything it reports is a real violation.
 *
 * <p>Tokens are Raft indexes, so if {@code a} and {@code b} are acquires of one lock with tokens {@code t(a) < t(b)},
 * {@code a}'s grant was committed first, and {@code a}'s hold must have ended before {@code b}'s grant: by a release
 * of {@code t(a)} (answered or not) invoked before {@code b} completed, or by a lapse, which the leader decides no
 * earlier than the TTL after the last invocation that set {@code a}'s expiry (its acquire or a renewal). It is
 * enough to check grants consecutive in token order: each ended before the next began.
 */
public final class MutualExclusionChecker {
    public static final String NAME = "mutual-exclusion";

    private final long slackNanos;

    public MutualExclusionChecker() {
        this(MutexModel.DEFAULT_EXPIRY_SLACK);
    }

    /** @param expirySlack the same tolerance for leader time in whole milliseconds as {@link MutexModel}'s */
    public MutualExclusionChecker(Duration expirySlack) {
        this.slackNanos = expirySlack.toNanos();
    }

    public CheckResult check(History history) {
        return check(Operation.pair(history));
    }

    public CheckResult check(List<Operation> operations) {
        Map<String, List<Operation>> grants = new TreeMap<>();
        Map<String, List<Operation>> ends = new TreeMap<>();
        for (Operation op : operations) {
            String lock = op.invoke().string("lock");
            if (op.f().equals("acquire") && op.isOk()) {
                grants.computeIfAbsent(lock, k -> new ArrayList<>()).add(op);
            } else if ((op.f().equals("release") || op.f().equals("renew")) && !op.isFail()) {
                ends.computeIfAbsent(lock + "\u0000" + op.invoke().longValue("token", 0), k -> new ArrayList<>())
                        .add(op);
            }
        }
        CheckResult.Builder result = CheckResult.builder(NAME).zero("overlapping-holds", "pairs-checked");
        grants.forEach((lock, ops) -> {
            ops.sort(Comparator.comparingLong(op -> op.longValue("token", 0)));
            result.count("grants", ops.size());
            for (int i = 1; i < ops.size(); i++) {
                result.count("pairs-checked", 1);
                Operation a = ops.get(i - 1);
                Operation b = ops.get(i);
                List<Operation> aOps = ends.getOrDefault(lock + "\u0000" + a.longValue("token", 0), List.of());
                if (!endedBefore(a, aOps, b)) {
                    result.anomaly(
                            "overlapping-holds",
                            Maps.of("lock", lock, "held", a.describe(), "grantedMeanwhile", b.describe()));
                }
            }
        });
        return result.build();
    }

    private boolean endedBefore(Operation a, List<Operation> releasesAndRenewals, Operation b) {
        long lapsesFrom = a.invokeNanos();
        for (Operation op : releasesAndRenewals) {
            if (op.f().equals("release") && startedBefore(op, b)) {
                return true;
            }
            if (op.f().equals("renew") && op.isOk()) {
                // An answered renewal took effect while a held the lock, so before its end.
                lapsesFrom = Math.max(lapsesFrom, op.invokeNanos());
            }
        }
        long ttlMs = a.invoke().longValue("ttlMs", -1);
        if (ttlMs < 0) {
            return false;
        }
        return b.returnNanos() >= lapsesFrom + Duration.ofMillis(ttlMs).toNanos() - slackNanos;
    }

    /** Whether {@code op} was invoked before {@code b} completed, so it may have taken effect before {@code b}. */
    private static boolean startedBefore(Operation op, Operation b) {
        return !b.precedes(op);
    }
}
