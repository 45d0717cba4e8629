package io.corral.coordinator.http;

import io.corral.coordinator.raft.CorralStateMachine;
import io.corral.coordinator.raft.RaftNode;
import io.corral.coordinator.rpc.ClusterStatusCollector;
import io.corral.coordinator.rpc.RpcMetrics;
import io.corral.coordinator.workers.WorkerService;
import io.corral.metrics.PrometheusText;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.codec.Json;
import io.corral.protocol.transport.RpcServer;
import io.corral.systemd.Health;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The routes of the coordinator's HTTP port. */
public final class StatusRoutes {
    static final long CLUSTER_STATUS_TIMEOUT_MS = 5000;

    private final RaftNode raft;
    private final ClusterStatusCollector cluster;
    private final CoordinatorMetrics metrics;
    private final Supplier<Health> liveness;

    /** @param liveness what the systemd watchdog would be told now (the HTTP port answering is shown by answering) */
    public StatusRoutes(
            RaftNode raft,
            CorralStateMachine stateMachine,
            RpcMetrics rpcMetrics,
            ClusterStatusCollector cluster,
            WorkerService workers,
            Supplier<RpcServer.LimitStats> rpcLimits,
            HttpConnections httpConnections,
            Supplier<Health> liveness) {
        this.raft = raft;
        this.cluster = cluster;
        this.liveness = liveness;
        this.metrics = new CoordinatorMetrics(
                raft, stateMachine, rpcMetrics, workers, new ConnectionMetrics(rpcLimits, httpConnections));
    }

    public Map<String, Supplier<HttpServer.Reply>> routes() {
        Map<String, Supplier<HttpServer.Reply>> r = new LinkedHashMap<>();
        r.put("/health", this::health);
        r.put("/live", this::live);
        r.put("/metrics", this::metrics);
        r.put("/v1/cluster", this::cluster);
        return r;
    }

    /**
     * 200 only while this node belongs to a cluster that has a leader and can commit through it, so a balancer skips
     * isolated members and members whose writes fail ({@link RaftNode#writeHealth()}).
     */
    HttpServer.Reply health() {
        MemberStatus s = raft.status();
        if (s.leaderId() == null) {
            return HttpServer.Reply.text(503, "no leader known to " + s.id() + " (role " + s.role() + ")\n");
        }
        if (s.error() != null) {
            return HttpServer.Reply.text(503, "unhealthy: " + s.id() + " " + s.error() + "\n");
        }
        return HttpServer.Reply.text(200, "ok: " + s.id() + " is " + s.role() + ", leader " + s.leaderId() + "\n");
    }

    /**
     * 200 while the process does its job, 503 with the reason when it should be restarted: the same verdict as the
     * systemd watchdog's, for supervisors that ask over HTTP (a Kubernetes liveness probe). No leader is not a reason:
     * a partition must not restart every member cut off.
     */
    HttpServer.Reply live() {
        Health h = liveness.get();
        return h.healthy()
                ? HttpServer.Reply.text(200, "alive: " + raft.selfId() + "\n")
                : HttpServer.Reply.text(503, "restart " + raft.selfId() + ": " + h.problem() + "\n");
    }

    HttpServer.Reply cluster() {
        try {
            return HttpServer.Reply.json(
                    200,
                    Json.mapper()
                            .writeValueAsString(
                                    cluster.collect().get(CLUSTER_STATUS_TIMEOUT_MS, TimeUnit.MILLISECONDS)));
        } catch (Exception e) {
            return HttpServer.Reply.text(503, "cluster status unavailable: " + e + "\n");
        }
    }

    HttpServer.Reply metrics() {
        return new HttpServer.Reply(200, PrometheusText.CONTENT_TYPE, metrics.scrape());
    }
}
