package io.corral.coordinator.raft;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which of a leader's channels to its followers to replace: those of followers silent for longer than {@code
 * silentMs}, each at most once per wait, the wait growing while the follower stays unsteady ({@link #due}).
 *
 * <p>Why: Ratis' server-to-server gRPC channels have no keepalive. A partition made of dropped packets leaves their
 * TCP connections open with unacknowledged data, which TCP retransmits with a backoff that grows with the partition
 * (up to minutes); after the heal every append and heartbeat on such a connection waits for the next retransmission,
 * and the follower stays behind, unable to serve a linearizable read, long after it could. Ratis restarts the append
 * stream on a timeout, but on the same connection. A new channel is a new connection: it works as soon as the network
 * does. While the partition lasts, replacing the channel costs one connection attempt per {@code silentMs}.
 */
final class SilentPeers {
    /** The longest wait between two replacements of one follower's channel, in silent intervals. */
    static final int MAX_INTERVAL_FACTOR = 4;
    /** How long, in silent intervals, a follower must answer steadily before the waits start over. */
    static final int STEADY_FACTOR = 5;

    private final long silentMs;
    private final Map<String, Follower> followers = new HashMap<>();

    /** Per follower: when its channel was last replaced, the wait before the next, since when it answers steadily. */
    private static final class Follower {
        long lastReplacedMs;
        boolean replaced;
        long waitMs;
        long steadySinceMs = -1;

        Follower(long waitMs) {
            this.waitMs = waitMs;
        }
    }

    SilentPeers(long silentMs) {
        this.silentMs = silentMs;
    }

    /**
     * The followers whose channels to replace now: those silent for longer than {@code silentMs}, once the wait since
     * their last replacement has passed. The wait starts at {@code silentMs} and doubles with each replacement, up to
     * {@link #MAX_INTERVAL_FACTOR} times it, until the follower has answered steadily for {@link #STEADY_FACTOR} times
     * it: a follower catching up after a partition may take seconds over one large append, and a replacement cancels
     * that append (the fault-injection harness saw a leader cancel one five times in 10 s, while the follower's clients
     * waited), whereas a connection that is dead gets through on the first new one once the network does.
     *
     * @param sinceContactMs per follower, how long since it last answered the leader
     * @param nowMs monotonic time
     */
    synchronized List<String> due(Map<String, Long> sinceContactMs, long nowMs) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : sinceContactMs.entrySet()) {
            Follower f = followers.computeIfAbsent(e.getKey(), k -> new Follower(silentMs));
            if (e.getValue() <= silentMs) {
                if (f.steadySinceMs < 0) {
                    f.steadySinceMs = nowMs;
                } else if (nowMs - f.steadySinceMs >= STEADY_FACTOR * silentMs) {
                    f.waitMs = silentMs;
                }
                continue;
            }
            f.steadySinceMs = -1;
            if (!f.replaced || nowMs - f.lastReplacedMs >= f.waitMs) {
                f.waitMs = Math.min(2 * f.waitMs, MAX_INTERVAL_FACTOR * silentMs);
                f.replaced = true;
                f.lastReplacedMs = nowMs;
                out.add(e.getKey());
            }
        }
        followers.keySet().retainAll(sinceContactMs.keySet());
        return out;
    }
}
