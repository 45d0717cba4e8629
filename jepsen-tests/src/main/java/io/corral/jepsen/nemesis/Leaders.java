package io.corral.jepsen.nemesis;

import io.corral.client.CorralClient;
import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.Node;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.WorkerView;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** Finds the current leader, for nemeses that target it. A fault cannot wait long for it: on doubt, a random member. */
public final class Leaders {
    private final CorralClient admin;

    public Leaders(CorralClient admin) {
        this.admin = admin;
    }

    /** The member that claims leadership in the highest term, if any member could be asked. */
    public Optional<String> current() {
        try {
            Response.ClusterStatus s = admin.call(new Request.GetClusterStatus(), Response.ClusterStatus.class);
            return s.members().stream()
                    .filter(m -> m.reachable() && "LEADER".equals(m.role()))
                    .max(Comparator.comparingLong(MemberStatus::term))
                    .map(MemberStatus::id);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** How long a worker fault waits for a worker to hold a lease before it picks one at random. */
    static final long BUSY_WORKER_WAIT_MS = 3_000;

    /**
     * A worker that holds a lease now, so that a fault on it strands a task mid-flight (the case fencing exists for);
     * waits up to {@link #BUSY_WORKER_WAIT_MS} for one, then picks a random worker (at once when interrupted, keeping
     * the interrupt for the caller).
     */
    public Node busyWorkerOrRandom(ContainerCluster cluster, Random random) {
        long deadline = System.nanoTime() + BUSY_WORKER_WAIT_MS * 1_000_000;
        while (System.nanoTime() < deadline) {
            try {
                List<String> busy = admin.call(new Request.ListWorkers(), Response.WorkerList.class).workers().stream()
                        .filter(w -> w.leaseCount() > 0)
                        .map(WorkerView::workerId)
                        .sorted()
                        .toList();
                if (!busy.isEmpty()) {
                    return cluster.node(busy.get(random.nextInt(busy.size())));
                }
            } catch (RuntimeException e) {
                // No answer now (a fault elsewhere): keep trying until the deadline.
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<Node> workers = cluster.workers();
        return workers.get(random.nextInt(workers.size()));
    }

    /** The leader's node, or a random coordinator when no leader is known. */
    public Node leaderOrRandom(ContainerCluster cluster, Random random) {
        List<Node> coordinators = cluster.coordinators();
        return current().map(cluster::node).orElseGet(() -> coordinators.get(random.nextInt(coordinators.size())));
    }
}
