package io.corral.jepsen.checker;

import io.corral.jepsen.history.History;
import io.corral.jepsen.history.Op;
import io.corral.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Seeded lock traffic against an in-memory lock table that behaves as Corral's should or, with {@code ignoreHolder},
 * grants every acquire as the test-only fault does. Clients acquire a random lock with a TTL, hold it for a random
 * time (sometimes past the TTL, so the hold lapses and the release is refused) and release it. Requests take effect
 * after a random delay; some are lost before taking effect and some answers are lost after, both recorded as INFO,
 * after which the client goes on as a new process, as the harness does.
 */
final class LockTrafficSimulator {
    static final long TTL_MS = 50;

    private record Event(long timeMicros, long seq, Runnable action) {}

    private record Hold(long token, long expiresAtMicros) {}

    private final Random random;
    private final int locks;
    private final double infoRate;
    private final int ignoreHolderFrom;
    private final PriorityQueue<Event> events =
            new PriorityQueue<>(Comparator.comparingLong(Event::timeMicros).thenComparingLong(Event::seq));
    private final Map<String, Hold> table = new HashMap<>();
    private final List<Op> ops = new ArrayList<>();
    private long nowMicros;
    private long seq;
    private long raftIndex;
    private int nextProcess;
    private int started;
    private int budget;

    LockTrafficSimulator(long seed, int locks, double infoRate, boolean ignoreHolder) {
        this(seed, locks, infoRate, ignoreHolder ? 0 : Integer.MAX_VALUE);
    }

    /** With the fault switched on once {@code ignoreHolderFrom} operations have started. */
    LockTrafficSimulator(long seed, int locks, double infoRate, int ignoreHolderFrom) {
        this.random = new Random(seed);
        this.locks = locks;
        this.infoRate = infoRate;
        this.ignoreHolderFrom = ignoreHolderFrom;
    }

    /** Runs {@code clients} clients until {@code operations} operations were started; returns the history. */
    History run(int clients, int operations) {
        budget = operations;
        for (int c = 0; c < clients; c++) {
            String owner = "c" + c;
            int process = nextProcess++;
            after(random.nextInt(1_000), () -> acquire(process, owner));
        }
        while (!events.isEmpty()) {
            Event e = events.poll();
            nowMicros = e.timeMicros();
            e.action().run();
        }
        return History.of(ops);
    }

    private void acquire(int process, String owner) {
        if (started++ >= budget) {
            return;
        }
        String lock = "lock-" + random.nextInt(locks);
        record(process, OpType.INVOKE, "acquire", Map.of("lock", lock, "owner", owner, "ttlMs", TTL_MS));
        Map<String, Object> refused = Map.of("lock", lock, "owner", owner);
        request(process, owner, "acquire", () -> grant(lock), refused, token -> {
            Map<String, Object> ok = Map.of("lock", lock, "owner", owner, "ttlMs", TTL_MS, "token", token);
            record(process, OpType.OK, "acquire", ok);
            // Hold for up to 1.4 TTLs, so that some holds lapse before their release.
            after(random.nextInt((int) (TTL_MS * 1_400)), () -> release(process, owner, lock, token));
        });
    }

    private void release(int process, String owner, String lock, long token) {
        if (started++ >= budget) {
            return;
        }
        Map<String, Object> args = Map.of("lock", lock, "owner", owner, "token", token);
        record(process, OpType.INVOKE, "release", args);
        request(process, owner, "release", () -> free(lock, token), args, ignored -> {
            record(process, OpType.OK, "release", args);
            after(random.nextInt(3_000), () -> acquire(process, owner));
        });
    }

    /**
     * The request takes effect after a delay unless lost, and its answer arrives after another delay unless lost.
     * {@code effect} returns a token or 1 for success, -1 for a refusal.
     */
    private void request(
            int process, String owner, String f, LongSupplier effect, Map<String, Object> refused, LongConsumer ok) {
        boolean lostBefore = random.nextDouble() < infoRate / 2;
        boolean lostAfter = random.nextDouble() < infoRate / 2;
        after(100 + random.nextInt(3_000), () -> {
            long result = lostBefore ? -1 : effect.getAsLong();
            after(100 + random.nextInt(3_000), () -> {
                if (lostBefore || lostAfter) {
                    record(process, OpType.INFO, f, Map.of());
                    int successor = nextProcess++;
                    after(random.nextInt(2_000), () -> acquire(successor, owner));
                } else if (result < 0) {
                    record(process, OpType.FAIL, f, refused);
                    after(random.nextInt(5_000), () -> acquire(process, owner));
                } else {
                    ok.accept(result);
                }
            });
        });
    }

    private long grant(String lock) {
        raftIndex++;
        if (live(lock) != null && started < ignoreHolderFrom) {
            return -1;
        }
        table.put(lock, new Hold(raftIndex, nowMicros + TTL_MS * 1_000));
        return raftIndex;
    }

    private long free(String lock, long token) {
        raftIndex++;
        Hold hold = live(lock);
        if (hold == null || hold.token() != token) {
            return -1;
        }
        table.remove(lock);
        return 1;
    }

    /** The leader expires a lapsed hold when it next looks at the lock: at or after its TTL, as Corral's does. */
    private Hold live(String lock) {
        Hold hold = table.get(lock);
        if (hold != null && nowMicros >= hold.expiresAtMicros()) {
            table.remove(lock);
            return null;
        }
        return hold;
    }

    private void after(long delayMicros, Runnable action) {
        events.add(new Event(nowMicros + delayMicros, seq++, action));
    }

    private void record(int process, OpType type, String f, Map<String, Object> value) {
        ops.add(new Op(ops.size(), process, type, f, value, nowMicros * 1_000, null));
    }
}
