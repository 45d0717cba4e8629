package io.corral.jepsen.checker;

import io.corral.jepsen.history.History;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fencing tokens of lock grants (promise 3), over all locks at once: a token is the Raft index of the grant and an
 * entry grants at most one lock, so tokens are unique across locks and follow real time across locks too.
 *
 * <ul>
 *   <li>No token is returned by two different acquires ("token-reused").
 *   <li>If acquire {@code a} completed before acquire {@code b} was invoked, {@code token(a) < token(b)}
 *       ("token-order"): {@code b}'s grant was appended to the log after {@code a}'s was committed.
 * </ul>
 *
 * Only answered (OK) acquires carry tokens; unanswered ones constrain nothing here.
 */
public final class FencingChecker {
    public static final String NAME = "fencing";

    public CheckResult check(History history) {
        return check(Operation.pair(history));
    }

    public CheckResult check(List<Operation> operations) {
        List<Operation> grants = new ArrayList<>();
        for (Operation op : operations) {
            if (op.f().equals("acquire") && op.isOk()) {
                grants.add(op);
            }
        }
        CheckResult.Builder result =
                CheckResult.builder(NAME).zero("token-reused", "token-order").count("grants", grants.size());
        checkUnique(grants, result);
        checkRealTimeOrder(grants, result);
        return result.build();
    }

    private static void checkUnique(List<Operation> grants, CheckResult.Builder result) {
        Map<Long, Operation> byToken = new HashMap<>();
        for (Operation op : grants) {
            Operation earlier = byToken.putIfAbsent(token(op), op);
            if (earlier != null) {
                result.anomaly(
                        "token-reused",
                        Maps.of("token", token(op), "first", earlier.describe(), "second", op.describe()));
            }
        }
    }

    /**
     * A sweep in O(n log n): grants by invocation; before each, fold in every grant completed earlier, keeping the
     * one with the highest token; the current grant must beat it.
     */
    private static void checkRealTimeOrder(List<Operation> grants, CheckResult.Builder result) {
        List<Operation> byInvoke = new ArrayList<>(grants);
        byInvoke.sort(Comparator.comparingLong(Operation::invokeNanos)
                .thenComparingLong(op -> op.invoke().index()));
        List<Operation> byReturn = new ArrayList<>(grants);
        byReturn.sort(Comparator.comparingLong((Operation op) -> op.completion().timeNanos())
                .thenComparingLong(op -> op.completion().index()));
        Operation highest = null;
        int next = 0;
        for (Operation b : byInvoke) {
            while (next < byReturn.size() && byReturn.get(next).precedes(b)) {
                Operation a = byReturn.get(next++);
                if (highest == null || token(a) > token(highest)) {
                    highest = a;
                }
            }
            if (highest != null && token(b) <= token(highest)) {
                result.anomaly("token-order", Maps.of("earlier", highest.describe(), "later", b.describe()));
            }
        }
    }

    private static long token(Operation op) {
        return op.longValue("token", 0);
    }
}
