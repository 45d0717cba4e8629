package io.corral.protocol;

import java.util.List;

/**
 * One worker as {@code corral workers} shows it. {@code coordinatorId} is the member the worker is connected to; the
 * slot counts, capabilities and times come from that member's in-memory registry ({@code freeSlots} is its estimate:
 * the slots the worker last reported free, less grants since). {@code leases} are the task ids the replicated state,
 * as applied on that member, says the worker holds: a local read, which may lag the leader by a few entries.
 * {@code draining} is true when the worker registered with 0 slots (it takes no new leases). Times are epoch ms on
 * that member's clock.
 */
public record WorkerView(
        String workerId,
        String coordinatorId,
        int slots,
        int freeSlots,
        int leaseCount,
        List<String> leases,
        List<String> capabilities,
        long connectedAtMs,
        long lastHeartbeatMs,
        boolean draining) {}
