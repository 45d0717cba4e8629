package io.corral.jepsen.workload;

import io.corral.client.CorralException;
import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.checker.FencedRegister;
import io.corral.jepsen.checker.FencedRegisterChecker;
import io.corral.jepsen.checker.FencingChecker;
import io.corral.jepsen.checker.LinearizabilityChecker;
import io.corral.jepsen.checker.MutexModel;
import io.corral.jepsen.checker.MutualExclusionChecker;
import io.corral.jepsen.history.History;
import io.corral.jepsen.history.OpType;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Clients contend for a few locks with short TTLs: acquire (fail fast when held), then, holding the lock, increment
 * the harness's {@link FencedRegister} for that lock with the grant's fencing token (a fenced read, then a fenced
 * write), hold a little, release. Pauses and partitions make holds lapse while their holder still believes in them;
 * the fencing token is what keeps the register right.
 */
public final class LockWorkload {
    private final int locks;
    private final long ttlMs;
    private final long maxHoldMs;
    private final FencedRegister register;

    public LockWorkload(int locks, long ttlMs, long maxHoldMs, FencedRegister register) {
        this.locks = locks;
        this.ttlMs = ttlMs;
        this.maxHoldMs = maxHoldMs;
        this.register = register;
    }

    public String name() {
        return "lock";
    }

    public FencedRegister register() {
        return register;
    }

    public void operate(ClientProcess c, History history) throws InterruptedException {
        String lock = "jepsen-lock-" + c.random().nextInt(locks);
        String owner = "p" + c.process();
        history.invoke(c.process(), "acquire", Map.of("lock", lock, "owner", owner, "ttlMs", ttlMs));
        long token;
        try {
            Response.LockGranted g =
                    c.client().call(new Request.AcquireLock(lock, owner, ttlMs, 0), Response.LockGranted.class);
            token = g.token();
            history.ok(c.process(), Map.of("lock", lock, "owner", owner, "ttlMs", ttlMs, "token", token));
        } catch (RuntimeException e) {
            end(c, history, Map.of("lock", lock, "owner", owner), e);
            return;
        }

        history.invoke(c.process(), "read", Map.of("lock", lock, "token", token));
        OptionalLong read = register.read(lock, token);
        if (read.isEmpty()) {
            history.fail(c.process(), Map.of("lock", lock, "token", token), "stale token");
        } else {
            long v = read.getAsLong();
            history.ok(c.process(), Map.of("lock", lock, "token", token, "value", v));
            Map<String, Object> write = Map.of("lock", lock, "token", token, "read", v, "value", v + 1);
            history.invoke(c.process(), "write", write);
            if (register.write(lock, token, v, v + 1)) {
                history.ok(c.process(), write);
            } else {
                history.fail(c.process(), write, "stale token");
            }
        }

        Thread.sleep(c.random().nextLong(maxHoldMs + 1));

        Map<String, Object> release = Map.of("lock", lock, "owner", owner, "token", token);
        history.invoke(c.process(), "release", release);
        try {
            c.client().call(new Request.ReleaseLock(lock, token), Response.LockReleased.class);
            history.ok(c.process(), release);
        } catch (RuntimeException e) {
            end(c, history, release, e);
        }
    }

    /**
     * Linearizability against the mutex model (partitioned by lock), mutual exclusion, fencing-token order, and the
     * fenced register's lost-update check.
     */
    public List<CheckResult> check(History history) {
        return List.of(
                new LinearizabilityChecker<>("lock-linearizability", new MutexModel()).check(history),
                new MutualExclusionChecker().check(history),
                new FencingChecker().check(history),
                new FencedRegisterChecker().check(history, register.snapshot()));
    }

    private static void end(ClientProcess c, History history, Map<String, Object> value, RuntimeException e) {
        OpType type = Outcomes.of(e);
        history.complete(c.process(), type, value, Outcomes.describe(e));
        if (type == OpType.INFO) {
            c.crashed();
        }
        if (!(e instanceof CorralException)) {
            org.slf4j.LoggerFactory.getLogger(LockWorkload.class).debug("client error", e);
        }
    }
}
