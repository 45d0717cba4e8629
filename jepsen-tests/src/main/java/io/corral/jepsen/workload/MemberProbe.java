package io.corral.jepsen.workload;

import io.corral.client.CorralClient;
import io.corral.jepsen.checker.AvailabilityChecker;
import io.corral.jepsen.history.History;
import io.corral.jepsen.history.OpType;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * One coordinator's probe: a client connected to that coordinator only, writing twice a second (an acquire and a
 * release of the probe's own lock), recorded in the history as operation {@value #F} with the member's name. The
 * workload's clients move to another coordinator when theirs drops them, so a member that can no longer write may
 * be left with no client to show it; its probe stays (promise 7: no member stays unable to write while a leader is
 * reachable). The lock checkers ignore {@value #F} operations, and the probe's locks are no workload lock.
 */
public final class MemberProbe {
    /** The probe's operation in the history. */
    public static final String F = AvailabilityChecker.PROBE;
    /** A probe process never meets a workload process: those are small numbers (thread + threads × lives). */
    static final int PROCESS_BASE = 1_000_000;
    /** After an INFO a probe goes on as a new process, as every client does; room for this many members. */
    static final int PROCESS_STRIDE = 1_000;

    static final long INTERVAL_MS = 500;
    /** Short, so that a hold whose release was lost does not stay in the lock table for long. */
    static final long LOCK_TTL_MS = 2_000;

    private final String member;
    private final int index;

    /** @param index the member's position among the coordinators, to keep each probe's process numbers apart */
    public MemberProbe(String member, int index) {
        if (index < 0 || index >= PROCESS_STRIDE) {
            throw new IllegalArgumentException("member index must be 0.." + (PROCESS_STRIDE - 1) + ", got " + index);
        }
        this.member = member;
        this.index = index;
    }

    /** Probes until {@code endNanos} (history time, read before each probe: it may move) or an interrupt. */
    public void run(CorralClient client, History history, LongSupplier endNanos) throws InterruptedException {
        int process = PROCESS_BASE + index;
        while (history.now() < endNanos.getAsLong() && !Thread.currentThread().isInterrupted()) {
            // A lock per process: an acquire left unanswered may still take effect, and the next one must not meet
            // that hold (a refusal would count as an answer while the write path could be broken).
            String lock = "jepsen-probe-" + member + "-" + process;
            Map<String, Object> value = Map.of("member", member, "lock", lock);
            history.invoke(process, F, value);
            try {
                long token = client.call(
                                new Request.AcquireLock(lock, "probe-" + member, LOCK_TTL_MS, 0),
                                Response.LockGranted.class)
                        .token();
                client.call(new Request.ReleaseLock(lock, token), Response.LockReleased.class);
                history.ok(process, value);
            } catch (RuntimeException e) {
                OpType type = Outcomes.of(e);
                history.complete(process, type, value, Outcomes.describe(e));
                if (type == OpType.INFO) {
                    process += PROCESS_STRIDE;
                }
            }
            Thread.sleep(INTERVAL_MS);
        }
    }
}
