package io.corral.coordinator.workers;

import io.corral.metrics.Histogram;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What this member measures about dispatch, for /metrics. Both histograms are observed only while this member leads,
 * and both use leader times from one clock (the injected one), so no clock skew between hosts enters them:
 *
 * <ul>
 *   <li>{@link #queueWait()}: from the moment a task became leasable (the leader time of its submission, of its
 *       return to PENDING, or the end of its retry backoff) to the leader time of the entry that granted it. A task
 *       granted in its own submission's entry waited 0. Observed when the grant is applied.
 *   <li>{@link #dispatch()}: from the leader time of the entry that granted a task to the moment the offer was handed
 *       to the connection of a worker connected to the leader. It covers replication to a majority, the fsync, the
 *       apply and the push: what a worker waits for after the leader decided. Workers connected to a follower are
 *       not observed (their grant was stamped by another host's clock); workers follow the leader by default.
 * </ul>
 *
 * Stale refusals are counted per request type by the member the worker sent the request to, so their sum over the
 * members is the cluster's total.
 */
public final class DispatchMetrics {
    /** The worker requests that carry lease tokens, whose stale refusals are counted. */
    public static final List<String> STALE_TYPES =
            List.of("CompleteTask", "FailTask", "ReportProgress", "Heartbeat", "ReleaseLeases");

    private final Histogram queueWait = new Histogram(Histogram.WAIT_BUCKETS_SECONDS);
    private final Histogram dispatch = new Histogram();
    private final Map<String, LongAdder> stale = new LinkedHashMap<>();

    DispatchMetrics() {
        for (String type : STALE_TYPES) {
            stale.put(type, new LongAdder());
        }
    }

    public Histogram queueWait() {
        return queueWait;
    }

    public Histogram dispatch() {
        return dispatch;
    }

    /** Stale-lease refusals by request type; every type of {@link #STALE_TYPES} present. */
    public Map<String, Long> staleRefusals() {
        Map<String, Long> out = new LinkedHashMap<>();
        stale.forEach((type, n) -> out.put(type, n.sum()));
        return out;
    }

    void staleRefused(String type, int leases) {
        if (leases > 0) {
            stale.get(type).add(leases);
        }
    }

    void waited(long readyAtMs, long grantedAtMs) {
        // Stamps of two leaders may disagree by their clocks' skew: a negative wait is a zero one.
        queueWait.observe(Math.max(0, grantedAtMs - readyAtMs) / 1000.0);
    }

    void dispatched(long stampedAtMs, long pushedAtMs) {
        dispatch.observe(Math.max(0, pushedAtMs - stampedAtMs) / 1000.0);
    }
}
