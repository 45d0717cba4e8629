package io.corral.coordinator.http;

import io.corral.coordinator.raft.CorralStateMachine;
import io.corral.coordinator.raft.RaftNode;
import io.corral.coordinator.raft.WriteOutcomes;
import io.corral.coordinator.rpc.RpcMetrics;
import io.corral.coordinator.state.Counters;
import io.corral.coordinator.workers.DispatchMetrics;
import io.corral.coordinator.workers.WorkerRegistry;
import io.corral.coordinator.workers.WorkerService;
import io.corral.metrics.JvmMetrics;
import io.corral.metrics.PrometheusText;
import io.corral.protocol.AttemptOutcome;
import io.corral.protocol.JobState;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.TaskState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.server.DivisionInfo;

/**
 * The coordinator's {@code /metrics} (docs/operations.md, "Metrics and alerts", lists every family and the member to
 * read it from). Every family is named on every member, with or without samples. A scrape does a fixed number of
 * point reads of the state (the META counters), no scan; the file-system figures are cached ({@link StorageMetrics}).
 */
final class CoordinatorMetrics {
    private final RaftNode raft;
    private final CorralStateMachine stateMachine;
    private final RpcMetrics rpcMetrics;
    private final WorkerService workers;
    private final StorageMetrics storage;
    private final ConnectionMetrics connections;
    /** The term when this member started serving metrics: elections are counted from it. */
    private final long startTerm;

    CoordinatorMetrics(
            RaftNode raft,
            CorralStateMachine stateMachine,
            RpcMetrics rpcMetrics,
            WorkerService workers,
            ConnectionMetrics connections) {
        this.raft = raft;
        this.connections = connections;
        this.stateMachine = stateMachine;
        this.rpcMetrics = rpcMetrics;
        this.workers = workers;
        this.storage = new StorageMetrics(raft.config().dataDir(), stateMachine);
        this.startTerm = raft.info().getCurrentTerm();
    }

    String scrape() {
        PrometheusText p = new PrometheusText();
        MemberStatus s = raft.status();
        raft(p, s);
        writes(p);
        followers(p, s.commitIndex());
        state(p, stateMachine.core().counters(stateMachine.store().view()));
        dispatch(p);
        storage.write(p);
        rpc(p);
        connections.write(p);
        JvmMetrics.shared().write(p);
        return p.toString();
    }

    private void raft(PrometheusText p, MemberStatus s) {
        p.header("corral_raft_role", "gauge", "1 for the role this member has now");
        for (String role : new String[] {"LEADER", "FOLLOWER", "CANDIDATE", "LISTENER"}) {
            p.sample("corral_raft_role", Map.of("role", role.toLowerCase(Locale.ROOT)), role.equals(s.role()) ? 1 : 0);
        }
        p.gauge("corral_raft_term", "current Raft term", s.term());
        p.gauge("corral_raft_commit_index", "highest log index known committed", s.commitIndex());
        p.gauge("corral_raft_applied_index", "highest log index applied to the state", s.appliedIndex());
        p.gauge("corral_raft_snapshot_index", "log index of the latest snapshot", s.snapshotIndex());
        p.gauge("corral_raft_has_leader", "1 while a leader is known", s.leaderId() == null ? 0 : 1);
        p.gauge("corral_raft_log_start_index", "first index still in this member's log", raft.firstLogIndex());
        p.gauge(
                "corral_raft_entries_since_snapshot",
                "entries applied since the latest snapshot (what a restart replays, what the log holds)",
                Math.max(0, s.appliedIndex() - s.snapshotIndex()));
        p.counter(
                "corral_raft_elections_total",
                "terms begun since this member started (each term begins with an election, won or not)",
                Math.max(0, s.term() - startTerm));
        p.counter(
                "corral_raft_leader_changes_total",
                "changes of the leader this member knows of, since it started",
                stateMachine.leaderChanges());
    }

    /** This member's own writes: what they came to, and whether it can commit ({@link RaftNode#writeHealth()}). */
    private void writes(PrometheusText p) {
        WriteOutcomes.Snapshot w = raft.writeOutcomes();
        p.header("corral_raft_writes_total", "counter", "writes this member made through Raft since it started");
        p.sample("corral_raft_writes_total", Map.of("outcome", "committed"), w.committed());
        p.sample("corral_raft_writes_total", Map.of("outcome", "failed"), w.failed());
        p.header(
                "corral_raft_commands_total",
                "counter",
                "commands this member proposed since it started; several share one write when they wait together");
        p.sample("corral_raft_commands_total", Map.of(), raft.commandsProposed());
        p.gauge(
                "corral_raft_write_healthy",
                "0 while every write of this member has failed for health.writeStallMs although a leader is reachable",
                raft.writeHealth().healthy() ? 1 : 0);
    }

    /**
     * The leader's view of each follower (no samples on other members). Ratis lists the followers and their match
     * indexes in one order, read in two calls; a configuration change between them skips this scrape's samples.
     */
    private void followers(PrometheusText p, long commitIndex) {
        List<ServerRpcProto> followers = List.of();
        long[] match = new long[0];
        DivisionInfo info = raft.info();
        if (info.isLeader()) {
            followers = info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
            match = info.getFollowerMatchIndices();
        }
        int n = followers.size() == match.length ? match.length : 0;
        p.header("corral_raft_follower_match_index", "gauge", "on the leader: highest index known replicated there");
        for (int i = 0; i < n; i++) {
            p.sample("corral_raft_follower_match_index", follower(followers.get(i)), match[i]);
        }
        p.header(
                "corral_raft_follower_lag_entries",
                "gauge",
                "on the leader: committed entries the follower does not have yet");
        for (int i = 0; i < n; i++) {
            p.sample(
                    "corral_raft_follower_lag_entries",
                    follower(followers.get(i)),
                    Math.max(0, commitIndex - match[i]));
        }
        p.header(
                "corral_raft_follower_last_contact_seconds",
                "gauge",
                "on the leader: time since the follower last answered");
        for (int i = 0; i < n; i++) {
            ServerRpcProto f = followers.get(i);
            p.sample("corral_raft_follower_last_contact_seconds", follower(f), f.getLastRpcElapsedTimeMs() / 1000.0);
        }
    }

    private static Map<String, String> follower(ServerRpcProto f) {
        return Map.of("follower", f.getId().getId().toStringUtf8());
    }

    private static void state(PrometheusText p, Counters c) {
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
        // Totals of the replicated state: every member reports the same value; use max(), never sum().
        p.counter(
                "corral_leases_granted_total",
                "leases granted (= task attempts started), cluster total",
                c.leasesGranted());
        p.counter("corral_leases_expired_total", "leases the leader expired, cluster total", c.leasesExpired());
        p.counter("corral_tasks_dead_lettered_total", "tasks that became DEAD, cluster total", c.tasksDeadLettered());
        p.header("corral_task_attempts_ended_total", "counter", "ended leases by outcome, cluster total");
        for (AttemptOutcome o : AttemptOutcome.values()) {
            p.sample(
                    "corral_task_attempts_ended_total",
                    Map.of("outcome", o.name()),
                    c.attemptsEnded().get(o));
        }
    }

    private void dispatch(PrometheusText p) {
        DispatchMetrics m = workers.metrics();
        p.histogram(
                "corral_queue_wait_seconds",
                "on the leader: from a task becoming leasable to the entry granting it (leader times)",
                m.queueWait());
        p.histogram(
                "corral_dispatch_seconds",
                "on the leader: from the entry granting a task to its offer on the worker's connection",
                m.dispatch());
        p.header("corral_stale_lease_refusals_total", "counter", "stale lease tokens refused, by request type");
        m.staleRefusals().forEach((type, n) -> p.sample("corral_stale_lease_refusals_total", Map.of("type", type), n));
        WorkerRegistry.Totals t = workers.totals();
        p.gauge("corral_workers_connected", "workers registered on this member", t.workers());
        p.gauge("corral_workers_slots", "slots of the workers registered on this member", t.slots());
        p.gauge("corral_workers_slots_free", "free slots of the workers registered on this member", t.freeSlots());
        p.gauge("corral_workers_leases_held", "leases this member believes its workers hold", t.leasesHeld());
    }

    private void rpc(PrometheusText p) {
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
