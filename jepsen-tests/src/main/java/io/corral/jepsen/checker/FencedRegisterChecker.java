package io.corral.jepsen.checker;

import io.corral.jepsen.history.History;
import java.util.Map;
import java.util.TreeMap;

/**
 * No update to a {@link FencedRegister} may be lost. Each workload write increments what its client read with the
 * same token, so in acceptance order every accepted write must have read the value the previous one wrote
 * ("lost-update" otherwise), and each register ends equal to its number of accepted writes ("final-value").
 *
 * <p>The register's own log is the authority on acceptance order (the history's order of completions can differ
 * from it by thread scheduling). The history is checked against it: every write answered OK must be in the log, and
 * only those and unanswered ones ("history-mismatch" otherwise, a harness bug).
 */
public final class FencedRegisterChecker {
    public static final String NAME = "fenced-register";

    public CheckResult check(History history, Map<String, FencedRegister.Cell> registers) {
        CheckResult.Builder result = CheckResult.builder(NAME)
                .zero("lost-update", "final-value", "history-mismatch", "writes-accepted", "writes-refused");
        registers.forEach((lock, cell) -> checkLog(lock, cell, result));
        checkAgainstHistory(history, registers, result);
        return result.build();
    }

    private static void checkLog(String lock, FencedRegister.Cell cell, CheckResult.Builder result) {
        long expected = 0;
        long highest = 0;
        for (FencedRegister.Write w : cell.accepted()) {
            if (w.read() != expected) {
                result.anomaly(
                        "lost-update",
                        Maps.of(
                                "lock",
                                lock,
                                "seq",
                                w.seq(),
                                "token",
                                w.token(),
                                "read",
                                w.read(),
                                "valueBefore",
                                expected));
            }
            if (w.value() != w.read() + 1) {
                result.anomaly("malformed-write", Maps.of("lock", lock, "write", w.toString()));
            }
            if (w.token() < highest) {
                result.anomaly(
                        "accepted-stale-token", Maps.of("lock", lock, "write", w.toString(), "highest", highest));
            }
            highest = Math.max(highest, w.token());
            expected = w.value();
        }
        result.count("writes-accepted", cell.accepted().size()).count("writes-refused", cell.refused());
        if (cell.value() != cell.accepted().size()) {
            result.anomaly(
                    "final-value",
                    Maps.of(
                            "lock",
                            lock,
                            "value",
                            cell.value(),
                            "acceptedWrites",
                            cell.accepted().size()));
        }
    }

    private static void checkAgainstHistory(
            History history, Map<String, FencedRegister.Cell> registers, CheckResult.Builder result) {
        Map<String, long[]> okAndInfo = new TreeMap<>();
        for (Operation op : Operation.pair(history)) {
            if (op.f().equals("write") && !op.isFail()) {
                long[] n = okAndInfo.computeIfAbsent(op.invoke().string("lock"), k -> new long[2]);
                n[op.isOk() ? 0 : 1]++;
            }
        }
        registers.keySet().forEach(lock -> okAndInfo.putIfAbsent(lock, new long[2]));
        okAndInfo.forEach((lock, n) -> {
            FencedRegister.Cell cell = registers.get(lock);
            long accepted = cell == null ? 0 : cell.accepted().size();
            if (accepted < n[0] || accepted > n[0] + n[1]) {
                result.anomaly(
                        "history-mismatch",
                        Maps.of("lock", lock, "acceptedWrites", accepted, "okWrites", n[0], "infoWrites", n[1]));
            }
        });
    }
}
