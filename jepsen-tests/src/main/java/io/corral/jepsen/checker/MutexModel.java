package io.corral.jepsen.checker;

import io.corral.protocol.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A lock with a TTL and fencing tokens, as a {@link Model}: the specification of Corral's locks (promise 3), one lock
 * per partition.
 *
 * <p><b>Expiry.</b> A hold may lapse, but only once its TTL has run out in leader time. The leader stamps the grant
 * after the acquire was invoked, so a hold granted by an acquire invoked at {@code i} cannot lapse before
 * {@code i + ttl}. Expiry is an internal event, so the model folds it into the next operation: before an operation
 * takes effect, a hold may lapse if that operation's completion is at or after {@code i + ttl} (its linearization
 * point precedes its completion). Lapsing is optional, as the leader decides it lazily; once it happened, every later
 * operation must complete after that bound too, which {@link State#notBeforeNanos()} carries.
 *
 * <p><b>Refusals are observations.</b> An acquire FAIL (LOCK_HELD) says that the lock was held at some point of its
 * interval, and a release or renew FAIL (STALE_TOKEN) that the token was not current then. The model keeps them
 * rather than leaving FAILs out: they cost nothing in false alarms (a refusal is consistent exactly when the lock
 * table could have produced it) and they catch bugs whose overlapping grant was never reported to its client, e.g. a
 * grant that ignores the holder followed by the holder's release being refused before its TTL could have run out. A
 * FAIL whose error names another code (a bad request) observed nothing and is left out.
 *
 * <p><b>INFO acquires.</b> One may have granted the lock with a token its client never learned. The model lets it
 * take effect (a hold with an unknown token and no owner anyone can name) or not. Such a hold explains later refusals
 * and lapses by the same TTL rule; since nobody knows its token, no release or renew can match it. Its token is only
 * known to exceed the last known one, so it does not raise the bound later tokens must beat: a small loss of
 * precision that lets states of different unknown grants coincide in the search cache.
 *
 * <p><b>Lapses are folded into determinate operations only.</b> An INFO operation returns "at infinity", so it could
 * always lapse the current hold, and chains of INFO acquires each lapsing the previous one would make the search
 * exponential. They are never needed: instead of "hold H lapses, INFO acquire A takes the lock", keep H held. Every
 * operation after the lapse completes after H's earliest lapse, so each can still lapse H when it needs the lock
 * free; refusals see a held lock either way; and only H's token can be released, which is more, not less. A
 * release or renew that lapses the hold it names has no effect, so its lapse can move to the next operation too.
 * Likewise an unanswered renewal is left out: its only possible effect, a later lapse, forbids and never allows.
 * (BruteForceMutexTest checks these shortcuts against a search without them.)
 *
 * <p>Tokens: every known grant must carry a token greater than every token granted before it in the linearization.
 */
public final class MutexModel implements Model<MutexModel.State> {
    /**
     * Leader time is whole milliseconds of the wall clock, so a grant stamped in the millisecond of the acquire's
     * invocation may be up to 1 ms earlier than the invocation on the test's nanosecond clock. Without slack a
     * correct cluster could be reported as expiring a hold early.
     */
    public static final Duration DEFAULT_EXPIRY_SLACK = Duration.ofMillis(2);

    private final long slackNanos;

    public MutexModel() {
        this(DEFAULT_EXPIRY_SLACK);
    }

    public MutexModel(Duration expirySlack) {
        if (expirySlack.isNegative()) {
            throw new IllegalArgumentException("expiry slack must be >= 0, got " + expirySlack);
        }
        this.slackNanos = expirySlack.toNanos();
    }

    /**
     * One lock's state in a linearization.
     *
     * @param held whether some grant holds the lock
     * @param owner the holder's owner, null when free or when the grant was never reported (INFO)
     * @param token the holder's token, 0 when free or unknown
     * @param ttlNanos the holder's TTL, which a renewal extends by
     * @param lapsesFromNanos the earliest time (test clock) at which the hold may have lapsed
     * @param lastToken the highest token granted so far
     * @param notBeforeNanos every operation linearized from now on must complete at or after this (set by a lapse)
     */
    public record State(
            boolean held,
            String owner,
            long token,
            long ttlNanos,
            long lapsesFromNanos,
            long lastToken,
            long notBeforeNanos) {

        static final State FREE = new State(false, null, 0, 0, 0, 0, 0);

        State grant(String newOwner, long newToken, long ttl, long lapsesFrom) {
            return new State(true, newOwner, newToken, ttl, lapsesFrom, Math.max(lastToken, newToken), notBeforeNanos);
        }

        State free(long notBefore) {
            return new State(false, null, 0, 0, 0, lastToken, Math.max(notBeforeNanos, notBefore));
        }

        State renewed(long lapsesFrom) {
            return new State(
                    true, owner, token, ttlNanos, Math.max(lapsesFromNanos, lapsesFrom), lastToken, notBeforeNanos);
        }

        boolean holds(long t) {
            return held && token != 0 && token == t;
        }

        @Override
        public String toString() {
            String lock = !held
                    ? "free"
                    : (token == 0 ? "held by an unreported grant" : "held by " + owner + " with token " + token)
                            + ", may lapse from " + ms(lapsesFromNanos);
            String after = notBeforeNanos > 0 ? ", next op completes >= " + ms(notBeforeNanos) : "";
            return lock + " (last token " + lastToken + after + ")";
        }

        private static String ms(long nanos) {
            return nanos == Long.MAX_VALUE ? "never" : String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
        }
    }

    @Override
    public State initial() {
        return State.FREE;
    }

    @Override
    public boolean includes(Operation op) {
        return switch (op.f()) {
            case "acquire" -> !op.isFail() || refusedFor(op, ErrorCode.LOCK_HELD);
            case "release" -> !op.isFail() || refusedFor(op, ErrorCode.STALE_TOKEN);
            // An unanswered renewal is left out: its only possible effect, a later lapse, forbids and never allows.
            case "renew" -> op.isOk() || (op.isFail() && refusedFor(op, ErrorCode.STALE_TOKEN));
            default -> false;
        };
    }

    /**
     * Whether a FAIL says something about the lock: its error names the code (as the workload records it, "CODE:
     * message") or none is given. A refusal for another reason (a bad request) had no effect and observed nothing.
     */
    private static boolean refusedFor(Operation op, ErrorCode code) {
        String error = op.completion().error();
        return error == null || error.startsWith(code.name());
    }

    @Override
    public String partition(Operation op) {
        String lock = op.invoke().string("lock");
        if (lock == null) {
            throw new IllegalArgumentException("a lock operation names its lock: " + op);
        }
        return lock;
    }

    @Override
    public List<State> step(State state, Operation op) {
        List<State> next = new ArrayList<>(2);
        apply(state, op, next);
        // Only a determinate operation has a lapse folded in: see the class comment.
        boolean mayLapse = state.held() && state.lapsesFromNanos() != Long.MAX_VALUE && !op.isInfo();
        if (mayLapse && op.returnNanos() >= state.lapsesFromNanos() - slackNanos) {
            apply(state.free(state.lapsesFromNanos() - slackNanos), op, next);
        }
        return next;
    }

    private void apply(State s, Operation op, List<State> next) {
        if (op.returnNanos() < s.notBeforeNanos()) {
            return;
        }
        switch (op.f()) {
            case "acquire" -> acquire(s, op, next);
            case "release" -> release(s, op, next);
            case "renew" -> renew(s, op, next);
            default -> throw new IllegalArgumentException("not a lock operation: " + op);
        }
    }

    private static void acquire(State s, Operation op, List<State> next) {
        if (op.isFail()) {
            if (s.held()) {
                next.add(s);
            }
            return;
        }
        if (s.held()) {
            return;
        }
        long ttl = ttlNanos(op);
        long lapsesFrom = saturatedAdd(op.invokeNanos(), ttl);
        if (op.isInfo()) {
            next.add(s.grant(null, 0, ttl, lapsesFrom));
            return;
        }
        long token = op.longValue("token", 0);
        if (token > s.lastToken()) {
            next.add(s.grant(op.string("owner"), token, ttl, lapsesFrom));
        }
    }

    private static void release(State s, Operation op, List<State> next) {
        boolean holds = s.holds(op.invoke().longValue("token", 0));
        if (op.isFail() ? !holds : holds) {
            next.add(op.isFail() ? s : s.free(0));
        }
    }

    private static void renew(State s, Operation op, List<State> next) {
        boolean holds = s.holds(op.invoke().longValue("token", 0));
        if (op.isFail() ? !holds : holds) {
            // The leader extends from its own time, at or after the invocation, and never shortens a hold.
            next.add(op.isFail() ? s : s.renewed(saturatedAdd(op.invokeNanos(), s.ttlNanos())));
        }
    }

    /** A grant without a TTL never lapses. */
    private static long ttlNanos(Operation op) {
        long ttlMs = op.invoke().longValue("ttlMs", -1);
        return ttlMs < 0 ? Long.MAX_VALUE : Duration.ofMillis(ttlMs).toNanos();
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
