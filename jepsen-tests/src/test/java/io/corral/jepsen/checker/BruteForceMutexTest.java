package io.corral.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.jepsen.history.History;
import io.corral.jepsen.history.OpType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The WGL search with {@link MutexModel} against an independent brute force on thousands of random tiny histories.
 * The brute force uses the plain semantics, without the search's shortcuts (a lapse may precede any operation,
 * unanswered ones included; unanswered renewals count; no caching), and tries every order that respects real time,
 * every subset of INFO operations and every lapse. The verdicts must agree: that shows the shortcuts lose nothing and
 * admit nothing.
 */
class BruteForceMutexTest {
    private static final int HISTORIES = 4_000;

    /** The lock, plainly: holder token (0 free, -1 unknown), earliest lapse, last token, lower bound on what follows. */
    private record Lock(long token, long lapsesFrom, long ttl, long lastToken, long notBefore) {}

    @Test
    void searchAgreesWithBruteForce() {
        Random random = new Random(20240611);
        int invalid = 0;
        for (int i = 0; i < HISTORIES; i++) {
            History history = randomHistory(random);
            List<Operation> ops = Operation.pair(history);
            boolean expected = bruteForce(new Lock(0, 0, 0, 0, 0), ops, new boolean[ops.size()]);
            CheckResult r = new LinearizabilityChecker<>("lock", new MutexModel(Duration.ZERO)).check(history);
            assertThat(r.validity())
                    .as("history %d: %s", i, history.ops())
                    .isEqualTo(expected ? Validity.VALID : Validity.INVALID);
            invalid += expected ? 0 : 1;
        }
        // Both kinds must be well represented for the agreement to mean something.
        assertThat(invalid).isBetween(HISTORIES / 10, HISTORIES * 9 / 10);
    }

    private static boolean bruteForce(Lock lock, List<Operation> ops, boolean[] done) {
        boolean allDeterminateDone = true;
        for (int i = 0; i < ops.size(); i++) {
            allDeterminateDone &= done[i] || ops.get(i).isInfo() || !counts(ops.get(i));
        }
        if (allDeterminateDone) {
            return true;
        }
        for (int i = 0; i < ops.size(); i++) {
            Operation op = ops.get(i);
            if (done[i] || !counts(op) || !mayGoNext(op, ops, done)) {
                continue;
            }
            done[i] = true;
            for (Lock next : steps(lock, op)) {
                if (bruteForce(next, ops, done)) {
                    return true;
                }
            }
            done[i] = false;
        }
        return false;
    }

    /** Refusals always count here: the generator gives them no error, so they observe the lock. */
    private static boolean counts(Operation op) {
        return true;
    }

    private static boolean mayGoNext(Operation op, List<Operation> ops, boolean[] done) {
        for (int j = 0; j < ops.size(); j++) {
            if (!done[j] && !ops.get(j).isInfo() && ops.get(j).precedes(op)) {
                return false;
            }
        }
        return true;
    }

    private static List<Lock> steps(Lock lock, Operation op) {
        List<Lock> out = new ArrayList<>();
        if (op.returnNanos() < lock.notBefore()) {
            return out;
        }
        apply(lock, op, out);
        if (lock.token() != 0 && op.returnNanos() >= lock.lapsesFrom()) {
            Lock lapsed = new Lock(0, 0, 0, lock.lastToken(), Math.max(lock.notBefore(), lock.lapsesFrom()));
            apply(lapsed, op, out);
        }
        if (op.isInfo()) {
            out.add(lock);
        }
        return out;
    }

    private static void apply(Lock s, Operation op, List<Lock> out) {
        long token = op.invoke().longValue("token", 0);
        boolean holds = s.token() > 0 && s.token() == token;
        long ttl = op.invoke().longValue("ttlMs", 0) * 1_000_000;
        switch (op.f()) {
            case "acquire" -> {
                if (op.isFail()) {
                    if (s.token() != 0) {
                        out.add(s);
                    }
                } else if (s.token() == 0) {
                    long granted = op.isInfo() ? -1 : op.longValue("token", 0);
                    if (op.isInfo() || granted > s.lastToken()) {
                        long last = op.isInfo() ? s.lastToken() : granted;
                        out.add(new Lock(granted, op.invokeNanos() + ttl, ttl, last, s.notBefore()));
                    }
                }
            }
            case "release" -> {
                if (op.isFail() ? !holds : holds) {
                    out.add(op.isFail() ? s : new Lock(0, 0, 0, s.lastToken(), s.notBefore()));
                }
            }
            case "renew" -> {
                if (op.isFail() ? !holds : holds) {
                    long lapsesFrom = Math.max(s.lapsesFrom(), op.invokeNanos() + s.ttl());
                    out.add(op.isFail() ? s : new Lock(s.token(), lapsesFrom, s.ttl(), s.lastToken(), s.notBefore()));
                }
            }
            default -> throw new IllegalArgumentException(op.toString());
        }
    }

    /** One generated operation; its outcome and token are decided by simulating a correct lock. */
    private static final class Gen {
        int client;
        String f;
        double start;
        double end;
        double at;
        long ttl;
        long token;
        OpType outcome;
    }

    /**
     * Up to 7 operations of up to 3 clients on one lock, on a coarse clock so that intervals overlap and touch. A
     * correct lock decides them at a random point of each interval (lapsing holds lazily, as the leader does); then
     * some answers are lost (INFO) and some histories get one operation corrupted, so both verdicts occur.
     */
    private static History randomHistory(Random random) {
        int clients = 2 + random.nextInt(2);
        List<Gen> ops = new ArrayList<>();
        double[] free = new double[clients];
        for (int i = 0, n = 3 + random.nextInt(5); i < n; i++) {
            Gen g = new Gen();
            g.client = random.nextInt(clients);
            g.f = new String[] {"acquire", "acquire", "release", "release", "renew"}[random.nextInt(5)];
            g.start = free[g.client] + random.nextInt(4);
            g.end = g.start + 1 + random.nextInt(6);
            g.at = g.start + random.nextDouble() * (g.end - g.start);
            g.ttl = 3 + random.nextInt(8);
            free[g.client] = g.end + 0.5;
            ops.add(g);
        }
        simulate(ops, random);
        if (random.nextBoolean()) {
            corrupt(ops.get(random.nextInt(ops.size())), random);
        }
        return record(ops);
    }

    private static void simulate(List<Gen> ops, Random random) {
        List<Gen> byTime = new ArrayList<>(ops);
        byTime.sort((a, b) -> Double.compare(a.at, b.at));
        long holder = 0;
        double expiresAt = 0;
        long index = 0;
        long[] held = new long[3];
        for (Gen g : byTime) {
            index++;
            boolean lost = random.nextInt(8) == 0; // the request never took effect
            if (holder != 0 && g.at >= expiresAt && random.nextBoolean()) {
                holder = 0; // the leader noticed the lapse
            }
            g.token = g.f.equals("acquire") ? index : held[g.client] > 0 ? held[g.client] : 1 + random.nextInt(6);
            boolean ok;
            if (g.f.equals("acquire")) {
                ok = holder == 0 || g.at >= expiresAt;
                if (ok && !lost) {
                    holder = g.token;
                    expiresAt = g.at + g.ttl;
                    held[g.client] = g.token;
                }
            } else {
                ok = holder == g.token && (g.f.equals("release") || g.at < expiresAt);
                if (ok && !lost) {
                    if (g.f.equals("release")) {
                        holder = 0;
                    } else {
                        expiresAt = g.at + g.ttl;
                    }
                }
            }
            g.outcome = lost || random.nextInt(8) == 0 ? OpType.INFO : ok ? OpType.OK : OpType.FAIL;
        }
    }

    private static void corrupt(Gen g, Random random) {
        if (random.nextBoolean() && g.outcome != OpType.INFO) {
            g.outcome = g.outcome == OpType.OK ? OpType.FAIL : OpType.OK;
        } else {
            g.token = 1 + random.nextInt(8);
        }
    }

    private static History record(List<Gen> ops) {
        HistoryBuilder h = new HistoryBuilder();
        int[] process = {0, 1, 2};
        int next = 3;
        for (Gen g : ops) {
            int p = process[g.client];
            String owner = "c" + g.client;
            if (g.f.equals("acquire")) {
                switch (g.outcome) {
                    case OK -> h.acquireOk(p, "a", owner, g.ttl, g.token, g.start, g.end);
                    case FAIL -> h.acquireFail(p, "a", owner, g.ttl, g.start, g.end);
                    default -> h.acquireInfo(p, "a", owner, g.ttl, g.start, g.end);
                }
            } else if (g.f.equals("release")) {
                h.release(p, g.outcome, "a", owner, g.token, g.start, g.end);
            } else {
                h.renew(p, g.outcome, "a", owner, g.token, g.start, g.end);
            }
            if (g.outcome == OpType.INFO) {
                process[g.client] = next++; // the client goes on as a new process
            }
        }
        return h.build();
    }
}
