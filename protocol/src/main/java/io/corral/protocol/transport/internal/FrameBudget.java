package io.corral.protocol.transport.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes a server holds in frames that have begun to arrive and are not complete yet, across all its connections.
 * A complete frame is handed on within the read that completes it, so these bytes are what a client can make the
 * server hold by sending less than it announced; bounding them bounds what any number of connections can pin.
 *
 * <p>Connections that have not been welcomed may hold at most a quarter of the whole, so clients without a token can
 * never take the room authenticated ones need. When a frame needs room that is not there, the slowest unfinished frame
 * older than {@link #MIN_EVICTABLE_AGE_NANOS} gives its room up ({@link BoundedFrameDecoder#evict}): a client that
 * stalls mid-frame loses to one that sends, and one that is not welcomed never evicts one that is.
 */
public final class FrameBudget {
    /**
     * A frame younger than this is never evicted: a real 2 MiB frame arrives well within it on any link a coordinator
     * should serve, so only frames that stall are candidates.
     */
    static final long MIN_EVICTABLE_AGE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final long maxBytes;
    private final long maxPreAuthBytes;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong usedPreAuth = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final Set<BoundedFrameDecoder> holders = ConcurrentHashMap.newKeySet();

    public FrameBudget(long maxBytes) {
        this.maxBytes = maxBytes;
        this.maxPreAuthBytes = maxBytes / 4;
    }

    /** Takes {@code bytes} if they fit under the limit (and, {@code preAuth}, under the pre-Hello share). */
    boolean tryReserve(long bytes, boolean preAuth) {
        long now = add(used, bytes, maxBytes);
        if (now < 0) {
            return false;
        }
        if (preAuth && add(usedPreAuth, bytes, maxPreAuthBytes) < 0) {
            used.addAndGet(-bytes);
            return false;
        }
        peak.accumulateAndGet(now, Math::max);
        return true;
    }

    void release(long bytes, boolean preAuth) {
        if (bytes == 0) {
            return;
        }
        used.addAndGet(-bytes);
        if (preAuth) {
            usedPreAuth.addAndGet(-bytes);
        }
    }

    /** The new total, or -1 when it would exceed {@code max}. */
    private static long add(AtomicLong counter, long bytes, long max) {
        while (true) {
            long current = counter.get();
            long next = current + bytes;
            if (next > max) {
                return -1;
            }
            if (counter.compareAndSet(current, next)) {
                return next;
            }
        }
    }

    void holding(BoundedFrameDecoder decoder) {
        holders.add(decoder);
    }

    void notHolding(BoundedFrameDecoder decoder) {
        holders.remove(decoder);
    }

    /**
     * The frame to evict for {@code requester}: among those at least {@link #MIN_EVICTABLE_AGE_NANOS} old, the one that
     * received the fewest bytes per second of its age; frames of connections not welcomed first. A requester not
     * welcomed may only evict those. Null when none qualifies.
     */
    BoundedFrameDecoder slowest(BoundedFrameDecoder requester, boolean requesterPreAuth, long nowNanos) {
        BoundedFrameDecoder best = null;
        boolean bestPreAuth = false;
        double bestRate = Double.MAX_VALUE;
        for (BoundedFrameDecoder d : holders) {
            BoundedFrameDecoder.Progress p = d.progress();
            long ageNanos = nowNanos - p.startNanos();
            if (d == requester || p.charged() == 0 || ageNanos < MIN_EVICTABLE_AGE_NANOS) {
                continue;
            }
            if (requesterPreAuth && !p.preAuth()) {
                continue;
            }
            double rate = p.receivedBytes() / (double) ageNanos;
            boolean better = p.preAuth() != bestPreAuth ? p.preAuth() : rate < bestRate;
            if (best == null || better) {
                best = d;
                bestPreAuth = p.preAuth();
                bestRate = rate;
            }
        }
        return best;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Bytes held now in unfinished frames. */
    public long usedBytes() {
        return used.get();
    }

    /** The most ever held at once: never above {@link #maxBytes()}. */
    public long peakBytes() {
        return peak.get();
    }
}
