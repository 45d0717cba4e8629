package io.corral.coordinator.rpc;

import io.corral.coordinator.membership.Member;
import io.corral.coordinator.membership.Members;
import io.corral.protocol.Response;
import io.corral.protocol.UnreachableMember;
import io.corral.protocol.WorkerView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Gathers the workers of every member for {@code corral workers}. Registrations live in memory on the coordinator a
 * worker is connected to, so this node answers for its own and asks each peer for theirs, all in parallel. A peer
 * that does not answer in time is reported in {@link Response.WorkerList#unreachable()} rather than failing the
 * request: its workers are then missing from the list, and the caller is told so.
 */
public final class WorkerListCollector {
    static final long PEER_WORKERS_TIMEOUT_MS = ClusterStatusCollector.PEER_STATUS_TIMEOUT_MS;

    private final Members members;
    private final PeerClients peers;
    private final Supplier<Response.LocalWorkers> local;
    private final Executor blocking;

    /** {@code local} reads the store, so it runs on {@code blocking}, never on an event loop. */
    public WorkerListCollector(
            Members members, PeerClients peers, Supplier<Response.LocalWorkers> local, Executor blocking) {
        this.members = members;
        this.peers = peers;
        this.local = local;
        this.blocking = blocking;
    }

    public CompletableFuture<Response> collect() {
        List<Member> everyone = members.current().everyone();
        List<CompletableFuture<Response.LocalWorkers>> all = new ArrayList<>(everyone.size());
        for (Member p : everyone) {
            if (p.id().equals(members.selfId())) {
                all.add(CompletableFuture.supplyAsync(local, blocking));
            } else {
                all.add(peers.localWorkers(p, PEER_WORKERS_TIMEOUT_MS));
            }
        }
        return CompletableFuture.allOf(
                        all.stream().map(f -> f.handle((r, e) -> r)).toArray(CompletableFuture<?>[]::new))
                .thenApply(v -> merge(everyone, all));
    }

    private static Response merge(List<Member> members, List<CompletableFuture<Response.LocalWorkers>> all) {
        List<WorkerView> workers = new ArrayList<>();
        List<UnreachableMember> unreachable = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            CompletableFuture<Response.LocalWorkers> f = all.get(i);
            try {
                workers.addAll(f.join().workers());
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                unreachable.add(new UnreachableMember(members.get(i).id(), String.valueOf(cause.getMessage())));
            }
        }
        // A worker that reconnected elsewhere may briefly be listed twice, once per member: both are shown.
        workers.sort(Comparator.comparing(WorkerView::workerId).thenComparing(WorkerView::coordinatorId));
        return new Response.WorkerList(workers, unreachable);
    }
}
