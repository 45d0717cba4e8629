package io.corral.coordinator.state.locks;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.Applied;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.Event;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import io.corral.protocol.LockView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocksTest {
    private static final long TTL_MS = 10_000;

    private static Command.AcquireLock acquire(String owner, long waitMs) {
        return new Command.AcquireLock("L", owner, TTL_MS, waitMs);
    }

    private static Response.LockGranted granted(Response reply) {
        assertThat(reply).isInstanceOf(Response.LockGranted.class);
        return (Response.LockGranted) reply;
    }

    private static Response.LockQueued queued(Response reply) {
        assertThat(reply).isInstanceOf(Response.LockQueued.class);
        return (Response.LockQueued) reply;
    }

    @Test
    void aFreeLockIsGrantedWithTheEntryIndexAsToken() {
        CoreHarness h = new CoreHarness();
        h.skipIndexes(41);
        Response.LockGranted grant = granted(h.reply(acquire("a", 0)));
        assertThat(grant).isEqualTo(new Response.LockGranted("L", "a", 42, h.nowMs() + TTL_MS));
        assertThat(h.kv.get(Space.LOCK_EXPIRY, LockKeys.expiry(h.nowMs() + TTL_MS, "L")))
                .isNotNull();
        assertThat(h.core.counters(h.kv).locksHeld()).isEqualTo(1);
        LockView view = ((Response.LockDetail) h.query(new Request.GetLock("L", false))).lock();
        assertThat(view).isEqualTo(new LockView("L", "a", 42, TTL_MS, h.nowMs(), h.nowMs() + TTL_MS, 0));
    }

    @Test
    void aHeldLockRefusesATryAcquireNamingTheHolderButNotItsToken() {
        CoreHarness h = new CoreHarness();
        granted(h.reply(acquire("a", 0)));
        assertThat(h.refused(acquire("b", 0), ErrorCode.LOCK_HELD))
                .isEqualTo("lock 'L' is held by 'a' until " + (h.nowMs() + TTL_MS) + " ms");
    }

    @Test
    void waitersQueueAndAreGrantedInFifoOrderOnRelease() {
        CoreHarness h = new CoreHarness();
        long first = granted(h.reply(acquire("a", 0))).token();
        Response.LockQueued b = queued(h.reply(acquire("b", 5_000)));
        assertThat(b.waiterId()).isEqualTo(first + 1);
        assertThat(b.deadlineMs()).isEqualTo(h.nowMs() + 5_000);
        Response.LockQueued c = queued(h.reply(acquire("c", 5_000)));
        assertThat(h.core.counters(h.kv).lockWaiters()).isEqualTo(2);
        assertThat(((Response.LockDetail) h.query(new Request.GetLock("L", false)))
                        .lock()
                        .waiters())
                .isEqualTo(2);

        h.advance(100);
        long releaseIndex = h.nextIndex();
        Applied released = h.apply(new Command.ReleaseLock("L", first));
        assertThat(released.reply()).isEqualTo(new Response.LockReleased("L", first));
        assertThat(released.events())
                .containsExactly(new Event.LockGranted("L", b.waiterId(), "b", releaseIndex, h.nowMs() + TTL_MS));
        LockRecord lock = LockQueries.lock(h.kv, "L");
        assertThat(lock.owner()).isEqualTo("b");
        assertThat(lock.token()).isEqualTo(releaseIndex);
        assertThat(lock.waiterId()).isEqualTo(b.waiterId());
        assertThat(lock.waiters()).isEqualTo(1);

        Applied second = h.apply(new Command.ReleaseLock("L", releaseIndex));
        assertThat(second.events()).singleElement().satisfies(e -> assertThat(((Event.LockGranted) e).waiterId())
                .isEqualTo(c.waiterId()));
        Applied last = h.apply(new Command.ReleaseLock("L", h.nextIndex() - 1));
        assertThat(last.events()).isEmpty();
        assertThat(h.kv.size(Space.LOCKS)).isZero();
        assertThat(h.core.counters(h.kv).locksHeld()).isZero();
    }

    @Test
    void releaseDropsWaitersPastTheirDeadline() {
        CoreHarness h = new CoreHarness();
        long token = granted(h.reply(acquire("a", 0))).token();
        Response.LockQueued shortWait = queued(h.reply(acquire("b", 1_000)));
        Response.LockQueued longWait = queued(h.reply(acquire("c", 9_000)));
        h.advance(1_000);
        Applied released = h.apply(new Command.ReleaseLock("L", token));
        assertThat(released.events()).hasSize(2);
        assertThat(released.events().get(0)).isEqualTo(new Event.LockWaitEnded("L", shortWait.waiterId()));
        assertThat(((Event.LockGranted) released.events().get(1)).waiterId()).isEqualTo(longWait.waiterId());
        assertThat(LockQueries.lock(h.kv, "L").owner()).isEqualTo("c");
    }

    @Test
    void releaseWithOnlyExpiredWaitersFreesTheLock() {
        CoreHarness h = new CoreHarness();
        long token = granted(h.reply(acquire("a", 0))).token();
        h.reply(acquire("b", 1_000));
        h.reply(acquire("c", 1_000));
        h.advance(5_000);
        Applied released = h.apply(new Command.ReleaseLock("L", token));
        assertThat(released.events()).hasSize(2).allMatch(e -> e instanceof Event.LockWaitEnded);
        assertThat(h.kv.size(Space.LOCKS)).isZero();
        assertThat(h.kv.size(Space.LOCK_WAITERS)).isZero();
    }

    @Test
    void staleTokensAreRefusedWithoutRevealingTheHoldersToken() {
        CoreHarness h = new CoreHarness();
        assertThat(h.refused(new Command.ReleaseLock("L", 5), ErrorCode.STALE_TOKEN))
                .contains("not held");
        long token = granted(h.reply(acquire("a", 0))).token();
        assertThat(h.refused(new Command.ReleaseLock("L", token - 1), ErrorCode.STALE_TOKEN))
                .isEqualTo("lock 'L' is held under another token; token " + (token - 1) + " is stale");
        assertThat(h.refused(new Command.RenewLock("L", token + 1), ErrorCode.STALE_TOKEN))
                .isEqualTo("lock 'L' is held under another token; token " + (token + 1) + " is stale");
        assertThat(h.refused(acquire("b", 0), ErrorCode.LOCK_HELD)).doesNotContain("token");
        h.refused(new Command.RenewLock("other", token), ErrorCode.STALE_TOKEN);
    }

    @Test
    void renewalExtendsFromNowUntilTheHoldLapses() {
        CoreHarness h = new CoreHarness();
        long token = granted(h.reply(acquire("a", 0))).token();
        h.advance(4_000);
        assertThat(h.reply(new Command.RenewLock("L", token)))
                .isEqualTo(new Response.LockGranted("L", "a", token, h.nowMs() + TTL_MS));
        assertThat(h.kv.size(Space.LOCK_EXPIRY)).isEqualTo(1);
        h.advance(TTL_MS);
        assertThat(h.refused(new Command.RenewLock("L", token), ErrorCode.STALE_TOKEN))
                .contains("expired");
    }

    @Test
    void aLapsedHoldCannotBeReleasedEitherItsExpiryFreesTheLock() {
        CoreHarness h = new CoreHarness();
        long token = granted(h.reply(acquire("a", 0))).token();
        h.advance(TTL_MS);
        // The expiry is not committed yet, but the token is refused already (promise 3), and nothing changes.
        assertThat(h.refused(new Command.ReleaseLock("L", token), ErrorCode.STALE_TOKEN))
                .contains("expired");
        assertThat(LockQueries.lock(h.kv, "L").token()).isEqualTo(token);
        assertThat(h.reply(new Command.ExpireLock("L", token))).isEqualTo(new Response.LockReleased("L", token));
        assertThat(LockQueries.lock(h.kv, "L")).isNull();
    }

    @Test
    void anAcquireAfterTheHoldLapsedIsGrantedBeforeTheExpiryIsCommitted() {
        CoreHarness h = new CoreHarness();
        long token = granted(h.reply(acquire("a", 0))).token();
        h.advance(TTL_MS);
        // The holder's release is refused as lapsed; an acquire must then not be told the lapsed holder has it
        // (the fault-injection harness found exactly that history non-linearizable).
        h.refused(new Command.ReleaseLock("L", token), ErrorCode.STALE_TOKEN);
        long index = h.nextIndex();
        assertThat(granted(h.reply(acquire("b", 0))))
                .isEqualTo(new Response.LockGranted("L", "b", index, h.nowMs() + TTL_MS));
        assertThat(h.core.counters(h.kv).locksHeld()).isEqualTo(1);
        // The leader's expiry of the old grant, applied late, changes nothing.
        assertThat(h.reply(new Command.ExpireLock("L", token))).isEqualTo(new Response.Ack());
        assertThat(h.lastWrites()).isZero();
        assertThat(LockQueries.lock(h.kv, "L").owner()).isEqualTo("b");
    }

    /**
     * A new leader's clock may run ahead of the old one's by any skew: a hold granted under the old leader lasts its TTL
     * from the new term's first entry, on the new leader's clock (the harness's clock-skew-failover found a grant 110
     * ms after another, the new leader being 21.6 s ahead).
     */
    @Test
    void aHoldGrantedUnderAnEarlierLeaderLastsItsTtlFromTheNewTermOnTheNewLeadersClock() {
        CoreHarness h = new CoreHarness();
        h.newTerm();
        long token = granted(h.reply(acquire("a", 0))).token();
        h.newTerm();
        h.advance(60_000); // the new leader's clock: a minute ahead, so the hold's expiry passed long ago by it
        Response refused = h.reply(acquire("b", 0));
        assertThat(refused).isInstanceOf(Response.ErrorReply.class);
        assertThat(((Response.ErrorReply) refused).code()).isEqualTo(ErrorCode.LOCK_HELD);
        assertThat(LockQueries.due(h.kv, h.nowMs(), 10))
                .as("no expiry is due yet")
                .isEmpty();
        assertThat(h.reply(new Command.ExpireLock("L", token))).isEqualTo(new Response.Ack());
        assertThat(LockQueries.lock(h.kv, "L").owner()).isEqualTo("a");

        h.advance(TTL_MS - 1);
        assertThat(granted(h.reply(new Command.RenewLock("L", token))).token())
                .as("the holder may still renew")
                .isEqualTo(token);
        h.advance(TTL_MS);
        assertThat(LockQueries.due(h.kv, h.nowMs(), 10)).containsExactly(new Command.ExpireLock("L", token));
        assertThat(granted(h.reply(acquire("b", 0))).owner()).isEqualTo("b");
    }

    @Test
    void aHoldOfTheCurrentTermLapsesByItsExpiryAlone() {
        CoreHarness h = new CoreHarness();
        h.newTerm();
        granted(h.reply(acquire("a", 0)));
        h.advance(TTL_MS);
        assertThat(granted(h.reply(acquire("b", 0))).owner()).isEqualTo("b");
    }

    @Test
    void anAcquireAfterTheHoldLapsedHandsTheLockToTheFirstWaiterAndIsRefusedOrQueued() {
        CoreHarness h = new CoreHarness();
        long token = granted(h.reply(acquire("a", 0))).token();
        Response.LockQueued b = queued(h.reply(acquire("b", 60_000)));
        h.advance(TTL_MS);

        long index = h.nextIndex();
        Applied refused = h.apply(acquire("c", 0));
        assertThat(((Response.ErrorReply) refused.reply()).message())
                .contains("'b'")
                .doesNotContain("token");
        assertThat(refused.events())
                .containsExactly(new Event.LockGranted("L", b.waiterId(), "b", index, h.nowMs() + TTL_MS));
        assertThat(LockQueries.lock(h.kv, "L").owner()).isEqualTo("b");

        Applied queuedBehind = h.apply(acquire("d", 60_000));
        assertThat(queuedBehind.reply()).isInstanceOf(Response.LockQueued.class);
        assertThat(queuedBehind.events()).isEmpty();
        assertThat(h.reply(new Command.ExpireLock("L", token))).isEqualTo(new Response.Ack());
    }

    @Test
    void expiryAppliesOnlyToTheCurrentLapsedGrant() {
        CoreHarness h = new CoreHarness();
        long token = granted(h.reply(acquire("a", 0))).token();
        Response.LockQueued b = queued(h.reply(acquire("b", 60_000)));

        assertThat(h.reply(new Command.ExpireLock("L", token))).isEqualTo(new Response.Ack());
        assertThat(h.lastWrites()).as("not lapsed yet").isZero();
        h.advance(TTL_MS);
        assertThat(h.reply(new Command.ExpireLock("L", token + 100))).isEqualTo(new Response.Ack());
        assertThat(h.lastWrites()).as("another grant").isZero();

        long expiryIndex = h.nextIndex();
        Applied expired = h.apply(new Command.ExpireLock("L", token));
        assertThat(expired.reply()).isEqualTo(new Response.LockReleased("L", token));
        assertThat(expired.events())
                .containsExactly(new Event.LockGranted("L", b.waiterId(), "b", expiryIndex, h.nowMs() + TTL_MS));
        // The lapsed holder's token is refused from now on.
        h.refused(new Command.ReleaseLock("L", token), ErrorCode.STALE_TOKEN);
        h.refused(new Command.RenewLock("L", token), ErrorCode.STALE_TOKEN);
        assertThat(h.reply(new Command.ExpireLock("L", token))).isEqualTo(new Response.Ack());
        assertThat(h.lastWrites()).isZero();
    }

    @Test
    void cancellingAWaitLeavesTheQueueOrReturnsTheGrant() {
        CoreHarness h = new CoreHarness();
        long token = granted(h.reply(acquire("a", 0))).token();
        Response.LockQueued b = queued(h.reply(acquire("b", 5_000)));
        Response.LockQueued c = queued(h.reply(acquire("c", 5_000)));

        Applied gaveUp = h.apply(new Command.CancelLockWait("L", b.waiterId()));
        assertThat(gaveUp.reply()).isInstanceOf(Response.ErrorReply.class);
        assertThat(((Response.ErrorReply) gaveUp.reply()).code()).isEqualTo(ErrorCode.LOCK_HELD);
        assertThat(((Response.ErrorReply) gaveUp.reply()).message()).contains("gave up waiting", "'a'");
        assertThat(gaveUp.events()).containsExactly(new Event.LockWaitEnded("L", b.waiterId()));
        assertThat(h.lastWrites()).as("leaving the queue is a change").isPositive();
        assertThat(LockQueries.lock(h.kv, "L").waiters()).isEqualTo(1);

        h.refused(new Command.CancelLockWait("L", b.waiterId()), ErrorCode.NOT_FOUND);

        long grantIndex = h.nextIndex();
        h.apply(new Command.ReleaseLock("L", token));
        // The cancel raced with the grant and lost: the grant stands and is returned, without writes.
        assertThat(h.reply(new Command.CancelLockWait("L", c.waiterId())))
                .isEqualTo(new Response.LockGranted("L", "c", grantIndex, h.nowMs() + TTL_MS));
        assertThat(h.lastWrites()).isZero();
    }

    @Test
    void queuesAreBounded() {
        CoreHarness h = new CoreHarness(new CoreLimits(1024, 10, 2, 10));
        h.reply(acquire("a", 0));
        queued(h.reply(acquire("b", 1_000)));
        queued(h.reply(acquire("c", 1_000)));
        assertThat(h.refused(acquire("d", 1_000), ErrorCode.OVERLOADED)).contains("2 acquirers");
    }

    @Test
    void dueCommandsListLapsedHoldsAndWaitersOldestFirst() {
        CoreHarness h = new CoreHarness();
        long l1 =
                granted(h.reply(new Command.AcquireLock("one", "a", 1_000, 0))).token();
        h.advance(10);
        long l2 =
                granted(h.reply(new Command.AcquireLock("two", "a", 1_000, 0))).token();
        Response.LockQueued w = queued(h.reply(new Command.AcquireLock("one", "b", 1_000, 500)));
        assertThat(h.core.dueLockCommands(h.nowMs(), h.kv, 10)).isEmpty();
        h.advance(1_000);
        assertThat(h.core.dueLockCommands(h.nowMs(), h.kv, 10))
                .containsExactly(
                        new Command.ExpireLock("one", l1),
                        new Command.ExpireLock("two", l2),
                        new Command.CancelLockWait("one", w.waiterId()));
        assertThat(h.core.dueLockCommands(h.nowMs(), h.kv, 2))
                .containsExactly(new Command.ExpireLock("one", l1), new Command.ExpireLock("two", l2));
        assertThat(h.core.dueLockCommands(h.nowMs() - 11, h.kv, 10))
                .containsExactly(new Command.CancelLockWait("one", w.waiterId()));
        assertThat(h.core.dueLockCommands(h.nowMs() - 10, h.kv, 10))
                .containsExactly(new Command.ExpireLock("one", l1), new Command.CancelLockWait("one", w.waiterId()));
        for (Command c : h.core.dueLockCommands(h.nowMs(), h.kv, 10)) {
            h.apply(c);
        }
        assertThat(h.kv.size(Space.LOCKS)).isZero();
        assertThat(h.core.dueLockCommands(h.nowMs(), h.kv, 10)).isEmpty();
    }

    @Test
    void listLocksShowsEveryHolder() {
        CoreHarness h = new CoreHarness();
        h.reply(new Command.AcquireLock("b", "x", 1_000, 0));
        h.reply(new Command.AcquireLock("a", "y", 1_000, 0));
        Response reply = h.query(new Request.ListLocks(false));
        assertThat(((Response.LockList) reply).locks())
                .extracting(LockView::name)
                .containsExactly("a", "b");
        assertThat(h.query(new Request.GetLock("c", false)))
                .isEqualTo(new Response.ErrorReply(ErrorCode.NOT_FOUND, "lock 'c' is not held"));
    }

    @Test
    void invalidLockCommandsAreRefused() {
        CoreHarness h = new CoreHarness();
        List<Command> bad = List.of(
                new Command.AcquireLock(" ", "a", 1_000, 0),
                new Command.AcquireLock("x".repeat(Limits.MAX_NAME_CHARS + 1), "a", 1_000, 0),
                new Command.AcquireLock("a\0b", "a", 1_000, 0),
                new Command.AcquireLock("L", "", 1_000, 0),
                new Command.AcquireLock("L", null, 1_000, 0),
                new Command.AcquireLock("L", "a", Limits.MIN_LOCK_TTL_MS - 1, 0),
                new Command.AcquireLock("L", "a", Limits.MAX_LOCK_TTL_MS + 1, 0),
                new Command.AcquireLock("L", "a", 1_000, -1),
                new Command.AcquireLock("L", "a", 1_000, Limits.MAX_LOCK_WAIT_MS + 1),
                new Command.ReleaseLock("L", 0),
                new Command.RenewLock(null, 1),
                new Command.ExpireLock("L", -5),
                new Command.CancelLockWait("L", 0));
        for (Command c : bad) {
            h.refused(c, ErrorCode.BAD_REQUEST);
        }
    }
}
