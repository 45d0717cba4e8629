package io.corral.coordinator.locks;

import io.corral.coordinator.state.Event;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Matches queued lock acquirers on this node with the grants the state machine later applies. A grant can be applied
 * before the acquirer's handler registers (the release may be the very next entry), so recent outcomes are kept for a
 * while and a late registration finds them.
 */
public final class LockWaits {
    /** Outcomes remembered for acquirers that have not registered yet. */
    static final int RECENT_OUTCOMES_MAX = 10_000;

    private final Map<Long, CompletableFuture<Event>> waiting = new LinkedHashMap<>();
    private final Map<Long, Event> recent = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Event> eldest) {
            return size() > RECENT_OUTCOMES_MAX;
        }
    };

    /** Completes with {@link Event.LockGranted} or {@link Event.LockWaitEnded} for this waiter. */
    public synchronized CompletableFuture<Event> await(long waiterId) {
        Event known = recent.remove(waiterId);
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        return waiting.computeIfAbsent(waiterId, id -> new CompletableFuture<>());
    }

    /** Stops waiting for this waiter (its request ended another way). */
    public synchronized void forget(long waiterId) {
        waiting.remove(waiterId);
        recent.remove(waiterId);
    }

    /** Called on every replica after an entry's events are committed. */
    public void onEvents(List<Event> events) {
        for (Event e : events) {
            long waiterId = e instanceof Event.LockGranted g ? g.waiterId() : ((Event.LockWaitEnded) e).waiterId();
            CompletableFuture<Event> f;
            synchronized (this) {
                f = waiting.remove(waiterId);
                if (f == null) {
                    recent.put(waiterId, e);
                }
            }
            if (f != null) {
                f.complete(e);
            }
        }
    }
}
