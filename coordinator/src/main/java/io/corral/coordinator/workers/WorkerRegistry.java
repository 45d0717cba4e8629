package io.corral.coordinator.workers;

import io.corral.protocol.transport.Session;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The workers connected to THIS coordinator, in memory only: their session, slots, the leases this node knows they
 * hold, and their last heartbeat. Nothing here is replicated or needed for safety: a coordinator that restarts forgets
 * its workers, they reconnect and register again, and their leases live on in the replicated state until their TTL.
 * Thread-safe (every method synchronizes on the registry; all of them are short).
 */
public final class WorkerRegistry {
    /** One registered worker; mutable, guarded by the registry's lock. */
    static final class Worker {
        final String id;
        final Session session;
        int slots;
        List<String> capabilities;
        /** Task ids this node believes the worker holds leases on. */
        final Set<String> held = new LinkedHashSet<>();
        /** Free slots the worker last reported, adjusted by grants and finished tasks since. */
        int reportedFree;

        long registeredAtMs;
        long lastHeartbeatMs;
        /** Tasks believed held (or leased in the state) that the worker did not list: since when (local time). */
        final Map<String, Long> missingSinceMs = new HashMap<>();
        /** How many times each of those was offered again. */
        final Map<String, Integer> reoffers = new HashMap<>();
        /** Leader-bound ExtendLeases: when this node last committed one for the worker. */
        long lastExtendMs = Long.MIN_VALUE / 2;
        /** A LeaseTasks for this worker is in flight: at most one at a time, so grants never exceed the free slots. */
        boolean leasing;

        Worker(String id, Session session) {
            this.id = id;
            this.session = session;
        }

        int free() {
            return Math.max(0, Math.min(slots - held.size(), reportedFree));
        }
    }

    /** A copy of one worker's entry, for {@code corral workers}. */
    public record Entry(
            String workerId,
            int slots,
            int freeSlots,
            List<String> capabilities,
            long registeredAtMs,
            long lastHeartbeatMs) {}

    /** What the dispatcher asks for on behalf of one worker. */
    record Candidate(String workerId, Session session, int maxTasks) {}

    /** A lost offer is offered again at most this many times; then the lease lapses after its TTL. */
    static final int MAX_REOFFERS = 3;

    private final Map<String, Worker> byId = new HashMap<>();
    private final Map<Long, String> bySession = new HashMap<>();

    /**
     * Registers (or re-registers) a worker on a session. A registration of the same id on another session replaces
     * it: the old connection is most likely dead. {@code leasesHeld} are the tasks the replicated state says the
     * worker holds, so a reconnecting worker's slots are not offered twice.
     */
    public synchronized void register(
            String workerId,
            Session session,
            int slots,
            List<String> capabilities,
            Collection<String> leasesHeld,
            long nowMs) {
        Worker w = byId.get(workerId);
        if (w == null || w.session.id() != session.id()) {
            if (w != null) {
                bySession.remove(w.session.id());
            }
            String previous = bySession.get(session.id());
            if (previous != null && !previous.equals(workerId)) {
                byId.remove(previous);
            }
            w = new Worker(workerId, session);
            w.registeredAtMs = nowMs;
            w.held.addAll(leasesHeld);
            byId.put(workerId, w);
            bySession.put(session.id(), workerId);
        }
        w.slots = slots;
        w.capabilities = List.copyOf(capabilities);
        w.reportedFree = slots - w.held.size();
        w.lastHeartbeatMs = nowMs;
    }

    /** The worker registered on this session, or null. */
    public synchronized String workerOn(Session session) {
        return bySession.get(session.id());
    }

    /** Forgets the worker of a closed session. Its leases stay: expiry is the leader's decision after the TTL. */
    public synchronized void remove(Session session) {
        String id = bySession.remove(session.id());
        if (id != null) {
            byId.remove(id);
        }
    }

    /**
     * What this node does about one heartbeat.
     *
     * @param extend commit an ExtendLeases for the listed leases and the re-offered ones
     * @param reoffer leases the replicated state gives the worker but the worker has not listed for a while: their
     *     offer was lost (a push on a connection that closed, a grant whose reply timed out, a failover between grant
     *     and push). They are offered again and extended with the others; a worker that cannot take one releases it.
     */
    public record HeartbeatPlan(boolean extend, List<String> reoffer) {
        public HeartbeatPlan {
            reoffer = List.copyOf(reoffer);
        }

        static final HeartbeatPlan NOTHING = new HeartbeatPlan(false, List.of());
    }

    /**
     * Records a heartbeat and reconciles what this node believes the worker holds with what the worker lists and what
     * the replicated state (as applied here) says it holds:
     *
     * <ul>
     *   <li>a lease in the state that the worker has not listed for {@code reofferAfterMs} is re-offered, at most
     *       {@link #MAX_REOFFERS} times (after that it is left to lapse after its TTL);
     *   <li>a task believed held that neither the worker nor the state mentions for {@code reofferAfterMs} is
     *       forgotten, so its slot is offered again (it ended in a way no reply told this node about, e.g. expiry);
     *   <li>an ExtendLeases is committed at most once per {@code minExtendGapMs}, unless leases are re-offered.
     * </ul>
     *
     * The grace of {@code reofferAfterMs} covers offers still in flight and this node's state lagging the leader.
     */
    public synchronized HeartbeatPlan heartbeat(
            String workerId,
            Collection<String> listed,
            Collection<String> leasedInState,
            int freeSlots,
            long nowMs,
            long minExtendGapMs,
            long reofferAfterMs) {
        Worker w = byId.get(workerId);
        if (w == null) {
            return HeartbeatPlan.NOTHING;
        }
        w.lastHeartbeatMs = nowMs;
        w.reportedFree = freeSlots;
        Set<String> unlisted = new LinkedHashSet<>(w.held);
        unlisted.addAll(leasedInState);
        unlisted.removeAll(listed);
        w.missingSinceMs.keySet().retainAll(unlisted);
        w.reoffers.keySet().retainAll(unlisted);
        List<String> reoffer = new ArrayList<>();
        for (String taskId : unlisted) {
            long since = w.missingSinceMs.computeIfAbsent(taskId, t -> nowMs);
            if (nowMs - since < reofferAfterMs) {
                continue;
            }
            if (!leasedInState.contains(taskId)) {
                w.held.remove(taskId);
                w.missingSinceMs.remove(taskId);
            } else if (w.reoffers.getOrDefault(taskId, 0) < MAX_REOFFERS) {
                reoffer.add(taskId);
                w.reoffers.merge(taskId, 1, Integer::sum);
                w.missingSinceMs.put(taskId, nowMs);
            }
        }
        w.held.addAll(listed);
        w.held.addAll(leasedInState);
        boolean due = nowMs - w.lastExtendMs >= minExtendGapMs;
        if (reoffer.isEmpty() && (listed.isEmpty() || !due)) {
            return new HeartbeatPlan(false, reoffer);
        }
        w.lastExtendMs = nowMs;
        return new HeartbeatPlan(true, reoffer);
    }

    /** The worker no longer holds these tasks (finished, released, stale or revoked): its slots are free again. */
    public synchronized void finished(String workerId, Collection<String> taskIds) {
        Worker w = byId.get(workerId);
        if (w == null) {
            return;
        }
        for (String taskId : taskIds) {
            if (w.held.remove(taskId)) {
                w.reportedFree = Math.min(w.slots, w.reportedFree + 1);
            }
        }
    }

    /**
     * The worker gave these leases back ({@code ReleaseLeases}): it had no slot for them, or it is draining. They are
     * no longer held, but unlike {@link #finished} no slot is free: the worker's next heartbeat says how many are,
     * which it sends at once after giving leases back. Counting them free would offer the worker the same tasks again
     * at once, and again after each give-back, for as long as its slot stays busy (a task that has not stopped yet
     * after its lease was revoked), each round a grant and a release through Raft.
     */
    public synchronized void released(String workerId, Collection<String> taskIds) {
        Worker w = byId.get(workerId);
        if (w != null) {
            w.held.removeAll(taskIds);
        }
    }

    /** The session of a worker connected here, or null. */
    public synchronized Session session(String workerId) {
        Worker w = byId.get(workerId);
        return w == null ? null : w.session;
    }

    /**
     * Workers with free slots and no lease request in flight, marked as leasing; at most {@code budget} tasks asked
     * for in all, so a short queue costs one request, not one per idle worker. Rotates the start so no worker starves.
     */
    public synchronized List<Candidate> takeCandidates(int budget, int rotation) {
        List<Worker> all = new ArrayList<>(byId.values());
        List<Candidate> out = new ArrayList<>();
        int left = budget;
        for (int i = 0; i < all.size() && left > 0; i++) {
            Worker w = all.get(Math.floorMod(rotation + i, all.size()));
            int ask = Math.min(w.free(), left);
            if (w.leasing || ask <= 0 || !w.session.isOpen()) {
                continue;
            }
            w.leasing = true;
            left -= ask;
            out.add(new Candidate(w.id, w.session, ask));
        }
        return out;
    }

    /** Total free slots of the workers that could be offered tasks now. */
    public synchronized int freeSlots() {
        int free = 0;
        for (Worker w : byId.values()) {
            free += w.leasing ? 0 : w.free();
        }
        return free;
    }

    /** The lease request for this worker ended; {@code granted} are the tasks it now holds. */
    public synchronized void leased(String workerId, Session session, Collection<String> granted) {
        Worker w = byId.get(workerId);
        if (w == null || w.session.id() != session.id()) {
            return;
        }
        w.leasing = false;
        w.held.addAll(granted);
        w.reportedFree = Math.max(0, w.reportedFree - granted.size());
    }

    /** Every worker registered here, sorted by id. */
    public synchronized List<Entry> entries() {
        List<Entry> out = new ArrayList<>(byId.size());
        for (Worker w : byId.values()) {
            out.add(new Entry(w.id, w.slots, w.free(), w.capabilities, w.registeredAtMs, w.lastHeartbeatMs));
        }
        out.sort(java.util.Comparator.comparing(Entry::workerId));
        return out;
    }

    public synchronized int size() {
        return byId.size();
    }

    /** The workers connected here, in sum; for metrics. */
    public record Totals(int workers, int slots, int freeSlots, int leasesHeld) {}

    /** One pass over the workers connected here (not over the state): cheap enough for every scrape. */
    public synchronized Totals totals() {
        int slots = 0;
        int free = 0;
        int held = 0;
        for (Worker w : byId.values()) {
            slots += w.slots;
            free += w.free();
            held += w.held.size();
        }
        return new Totals(byId.size(), slots, free, held);
    }
}
