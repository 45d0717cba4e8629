package io.corral.coordinator.raft;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which of a leader's channels to its followers to replace: those of followers silent for longer than {@code
 * silentMs}, each at most once per {@code silentMs}.
 *
 * <p>Why: Ratis' server-to-server gRPC channels have no keepalive. A partition made of dropped packets leaves their
 * TCP connections open with unacknowledged data, which TCP retransmits with a backoff that grows with the partition
 * (up to minutes); after the heal every append and heartbeat on such a connection waits for the next retransmission,
 * and the follower stays behind, unable to serve a linearizable read, long after it could. Ratis restarts the append
 * stream on a timeout, but on the same connection. A new channel is a new connection: it works as soon as the network
 * does. While the partition lasts, replacing the channel costs one connection attempt per {@code silentMs}.
 */
final class SilentPeers {
    private final long silentMs;
    /** When each follower's channel was last replaced (monotonic ms). */
    private final Map<String, Long> lastReplacedMs = new HashMap<>();

    SilentPeers(long silentMs) {
        this.silentMs = silentMs;
    }

    /**
     * The followers whose channels to replace now.
     *
     * @param sinceContactMs per follower, how long since it last answered the leader
     * @param nowMs monotonic time
     */
    synchronized List<String> due(Map<String, Long> sinceContactMs, long nowMs) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : sinceContactMs.entrySet()) {
            Long last = lastReplacedMs.get(e.getKey());
            if (e.getValue() > silentMs && (last == null || nowMs - last >= silentMs)) {
                lastReplacedMs.put(e.getKey(), nowMs);
                out.add(e.getKey());
            }
        }
        lastReplacedMs.keySet().retainAll(sinceContactMs.keySet());
        return out;
    }
}
