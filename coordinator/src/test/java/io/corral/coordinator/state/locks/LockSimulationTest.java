package io.corral.coordinator.state.locks;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.Applied;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.Event;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random lock traffic against a small model: acquires with and without waiting, releases and renewals with
 * current and stale tokens, give-ups, and the leader's housekeeping. After every entry it checks the promises: new
 * grants carry strictly increasing tokens, a lock has at most one holder and it is the one the model expects, queued
 * acquirers are granted in FIFO order, stale tokens are refused. A failure prints the seed; rerun with it.
 */
class LockSimulationTest {
    private static final String[] NAMES = {"a", "b", "c"};
    private static final int STEPS = 1_500;

    /** What the model believes about a held lock. */
    private record Hold(long token, String owner, long ttlMs, long expiresAtMs) {}

    private final Map<String, Hold> holds = new HashMap<>();
    private final Map<String, Deque<Long>> queues = new HashMap<>();
    private final List<Long> issuedTokens = new ArrayList<>();
    private long lastGrantToken;
    private int handOvers;
    private int expiries;
    private CoreHarness h;
    private Random random;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 17, 42, 1234, 99_999})
    void randomTrafficKeepsTheLockPromises(long seed) {
        random = new Random(seed);
        h = new CoreHarness(new CoreLimits(1024, 10, 4, 10));
        for (String name : NAMES) {
            queues.put(name, new ArrayDeque<>());
        }
        for (int step = 0; step < STEPS; step++) {
            h.advance(random.nextInt(400));
            String name = NAMES[random.nextInt(NAMES.length)];
            switch (random.nextInt(6)) {
                case 0, 1 -> acquire(name);
                case 2 -> release(name);
                case 3 -> renew(name);
                case 4 -> housekeeping();
                default -> giveUp(name);
            }
            checkAgainstStore();
        }
        // The scenario must reach the interesting paths, or it proves little.
        assertThat(issuedTokens).as("seed %d grants", seed).hasSizeGreaterThan(50);
        assertThat(handOvers).as("seed %d grants to a queued waiter", seed).isGreaterThan(10);
        assertThat(expiries).as("seed %d expiries", seed).isGreaterThan(10);
    }

    private void acquire(String name) {
        long ttl = 100 + random.nextInt(1_500);
        long wait = random.nextBoolean() ? 0 : 1 + random.nextInt(2_000);
        long index = h.nextIndex();
        Applied applied = h.apply(new Command.AcquireLock(name, "owner-" + index, ttl, wait));
        Response reply = applied.reply();
        Hold before = holds.get(name);
        if (before != null && before.expiresAtMs() <= h.nowMs()) {
            // A lapsed hold whose expiry is not committed yet: the acquire ends it first, as the expiry would.
            holds.remove(name);
            expiries++;
            follow(name, applied.events());
        } else {
            assertThat(applied.events()).isEmpty();
        }
        if (reply instanceof Response.LockGranted g) {
            assertThat(holds).doesNotContainKey(name);
            assertThat(g.token()).isEqualTo(index);
            granted(name, g.token(), g.owner(), ttl, g.expiresAtMs());
        } else if (reply instanceof Response.LockQueued q) {
            assertThat(holds).containsKey(name);
            queues.get(name).addLast(q.waiterId());
        } else {
            ErrorCode code = ((Response.ErrorReply) reply).code();
            assertThat(code).isIn(ErrorCode.LOCK_HELD, ErrorCode.OVERLOADED);
            assertThat(holds).containsKey(name);
        }
    }

    private void release(String name) {
        Hold hold = holds.get(name);
        long token = pickToken(hold);
        Applied applied = h.apply(new Command.ReleaseLock(name, token));
        if (hold == null || hold.token() != token || hold.expiresAtMs() <= h.nowMs()) {
            assertThat(((Response.ErrorReply) applied.reply()).code()).isEqualTo(ErrorCode.STALE_TOKEN);
            return;
        }
        assertThat(applied.reply()).isEqualTo(new Response.LockReleased(name, token));
        holds.remove(name);
        follow(name, applied.events());
    }

    private void renew(String name) {
        Hold hold = holds.get(name);
        long token = pickToken(hold);
        Response reply = h.reply(new Command.RenewLock(name, token));
        if (hold == null || hold.token() != token || hold.expiresAtMs() <= h.nowMs()) {
            assertThat(((Response.ErrorReply) reply).code()).isEqualTo(ErrorCode.STALE_TOKEN);
            return;
        }
        long expiresAt = Math.max(hold.expiresAtMs(), h.nowMs() + hold.ttlMs());
        assertThat(reply).isEqualTo(new Response.LockGranted(name, hold.owner(), token, expiresAt));
        holds.put(name, new Hold(token, hold.owner(), hold.ttlMs(), expiresAt));
    }

    /** The leader's loop: commit what is due, as it would, one entry per command. */
    private void housekeeping() {
        for (Command command : h.core.dueLockCommands(h.nowMs(), h.kv, 5)) {
            Applied applied = h.apply(command);
            if (command instanceof Command.ExpireLock e && applied.reply() instanceof Response.LockReleased) {
                assertThat(holds.get(e.name()).token()).isEqualTo(e.token());
                assertThat(holds.get(e.name()).expiresAtMs()).isLessThanOrEqualTo(h.nowMs());
                holds.remove(e.name());
                expiries++;
                follow(e.name(), applied.events());
            } else if (command instanceof Command.CancelLockWait c) {
                gaveUp(c.name(), c.waiterId(), applied);
            }
        }
    }

    private void giveUp(String name) {
        Deque<Long> queue = queues.get(name);
        long waiterId = queue.isEmpty() || random.nextInt(4) == 0 ? h.nextIndex() : queue.peekFirst();
        gaveUp(name, waiterId, h.apply(new Command.CancelLockWait(name, waiterId)));
    }

    private void gaveUp(String name, long waiterId, Applied applied) {
        if (queues.get(name).remove(waiterId)) {
            assertThat(((Response.ErrorReply) applied.reply()).code()).isEqualTo(ErrorCode.LOCK_HELD);
            assertThat(applied.events()).containsExactly(new Event.LockWaitEnded(name, waiterId));
        } else if (applied.reply() instanceof Response.LockGranted g) {
            assertThat(g.token()).isEqualTo(holds.get(name).token());
        } else {
            assertThat(((Response.ErrorReply) applied.reply()).code()).isEqualTo(ErrorCode.NOT_FOUND);
        }
    }

    /** Events of a release or expiry: expired waiters leave from the head, then at most one grant, to the head. */
    private void follow(String name, List<Event> events) {
        Deque<Long> queue = queues.get(name);
        for (Event event : events) {
            if (event instanceof Event.LockWaitEnded ended) {
                assertThat(queue.pollFirst())
                        .as("FIFO: ended waiter is the head")
                        .isEqualTo(ended.waiterId());
            } else {
                Event.LockGranted g = (Event.LockGranted) event;
                assertThat(queue.pollFirst())
                        .as("FIFO: granted waiter is the head")
                        .isEqualTo(g.waiterId());
                assertThat(g.token()).isEqualTo(h.nextIndex() - 1);
                LockRecord stored = LockQueries.lock(h.kv, name);
                handOvers++;
                granted(name, g.token(), g.owner(), stored.ttlMs(), g.expiresAtMs());
            }
        }
        long grants =
                events.stream().filter(e -> e instanceof Event.LockGranted).count();
        assertThat(grants).as("one entry grants at most one lock").isLessThanOrEqualTo(1);
        if (grants == 0) {
            assertThat(queue).as("a lock is freed only when nobody waits").isEmpty();
        }
    }

    private void granted(String name, long token, String owner, long ttlMs, long expiresAtMs) {
        assertThat(token).as("tokens strictly increase").isGreaterThan(lastGrantToken);
        lastGrantToken = token;
        issuedTokens.add(token);
        holds.put(name, new Hold(token, owner, ttlMs, expiresAtMs));
    }

    /** Mostly the current token; sometimes an old or never-issued one. */
    private long pickToken(Hold hold) {
        int dice = random.nextInt(10);
        if (hold != null && dice < 7) {
            return hold.token();
        }
        if (!issuedTokens.isEmpty() && dice < 9) {
            return issuedTokens.get(random.nextInt(issuedTokens.size()));
        }
        return h.nextIndex() + 1;
    }

    private void checkAgainstStore() {
        for (String name : NAMES) {
            LockRecord stored = LockQueries.lock(h.kv, name);
            Hold hold = holds.get(name);
            if (hold == null) {
                assertThat(stored).as("lock %s", name).isNull();
                assertThat(queues.get(name)).isEmpty();
            } else {
                assertThat(stored.token()).isEqualTo(hold.token());
                assertThat(stored.owner()).isEqualTo(hold.owner());
                assertThat(stored.expiresAtMs()).isEqualTo(hold.expiresAtMs());
                assertThat(stored.waiters()).isEqualTo(queues.get(name).size());
            }
        }
    }
}
