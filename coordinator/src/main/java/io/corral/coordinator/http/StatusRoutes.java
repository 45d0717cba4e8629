package io.corral.coordinator.http;

import io.corral.coordinator.raft.CorralStateMachine;
import io.corral.coordinator.raft.RaftNode;
import io.corral.coordinator.rpc.ClusterStatusCollector;
import io.corral.coordinator.rpc.RpcMetrics;
import io.corral.coordinator.state.Counters;
import io.corral.metrics.PrometheusText;
import io.corral.protocol.JobState;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.TaskState;
import io.corral.protocol.codec.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The routes of the coordinator's HTTP port. */
public final class StatusRoutes {
    static final long CLUSTER_STATUS_TIMEOUT_MS = 5000;

    private final RaftNode raft;
    private final CorralStateMachine stateMachine;
    private final RpcMetrics rpcMetrics;
    private final ClusterStatusCollector cluster;

    public StatusRoutes(
            RaftNode raft, CorralStateMachine stateMachine, RpcMetrics rpcMetrics, ClusterStatusCollector cluster) {
        this.raft = raft;
        this.stateMachine = stateMachine;
        this.rpcMetrics = rpcMetrics;
        this.cluster = cluster;
    }

    public Map<String, Supplier<HttpServer.Reply>> routes() {
        Map<String, Supplier<HttpServer.Reply>> r = new LinkedHashMap<>();
        r.put("/health", this::health);
        r.put("/metrics", this::metrics);
        r.put("/v1/cluster", this::cluster);
        return r;
    }

    /** 200 only while this node belongs to a cluster that has a leader, so a balancer skips isolated members. */
    HttpServer.Reply health() {
        MemberStatus s = raft.status();
        if (s.leaderId() == null) {
            return HttpServer.Reply.text(503, "no leader known to " + s.id() + " (role " + s.role() + ")\n");
        }
        return HttpServer.Reply.text(200, "ok: " + s.id() + " is " + s.role() + ", leader " + s.leaderId() + "\n");
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
        MemberStatus s = raft.status();
        PrometheusText p = new PrometheusText();
        p.header("corral_raft_role", "gauge", "1 for the role this member has now");
        for (String role : new String[] {"LEADER", "FOLLOWER", "CANDIDATE", "LISTENER"}) {
            p.sample(
                    "corral_raft_role",
                    Map.of("role", role.toLowerCase(java.util.Locale.ROOT)),
                    role.equals(s.role()) ? 1 : 0);
        }
        p.gauge("corral_raft_term", "current Raft term", s.term());
        p.gauge("corral_raft_commit_index", "highest log index known committed", s.commitIndex());
        p.gauge("corral_raft_applied_index", "highest log index applied to the state", s.appliedIndex());
        p.gauge("corral_raft_snapshot_index", "log index of the latest snapshot", s.snapshotIndex());
        p.gauge("corral_raft_has_leader", "1 while a leader is known", s.leaderId() == null ? 0 : 1);
        stateMetrics(p, stateMachine.core().counters(stateMachine.store().view()));
        rpcMetrics(p);
        return new HttpServer.Reply(200, PrometheusText.CONTENT_TYPE, p.toString());
    }

    private static void stateMetrics(PrometheusText p, Counters c) {
        p.header("corral_tasks", "gauge", "tasks by state");
        for (TaskState t : TaskState.values()) {
            p.sample("corral_tasks", Map.of("state", t.name()), c.tasks().getOrDefault(t, 0L));
        }
        p.header("corral_jobs", "gauge", "jobs by state");
        for (JobState j : JobState.values()) {
            p.sample("corral_jobs", Map.of("state", j.name()), c.jobs().getOrDefault(j, 0L));
        }
        p.gauge("corral_queue_depth", "tasks waiting to be leased", c.tasks().getOrDefault(TaskState.PENDING, 0L));
        p.gauge("corral_locks_held", "locks with a holder", c.locksHeld());
        p.gauge("corral_lock_waiters", "acquirers queued behind held locks", c.lockWaiters());
        p.gauge("corral_blobs_stored", "images stored (content-addressed)", c.blobsStored());
        p.gauge("corral_blob_bytes_stored", "bytes of images stored", c.blobBytesStored());
    }

    private void rpcMetrics(PrometheusText p) {
        p.header("corral_rpc_request_seconds", "histogram", "time to answer client requests, by type");
        rpcMetrics.latency().forEach((type, h) -> p.histogram("corral_rpc_request_seconds", Map.of("type", type), h));
        p.header("corral_rpc_errors_total", "counter", "requests answered with an error, by type and code");
        rpcMetrics.errors().forEach((key, n) -> {
            String[] parts = key.split("\u0000");
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put("type", parts[0]);
            labels.put("code", parts[1]);
            p.sample("corral_rpc_errors_total", labels, n.sum());
        });
    }
}
