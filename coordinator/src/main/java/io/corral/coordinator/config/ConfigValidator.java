package io.corral.coordinator.config;

import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.TestFault;
import io.corral.coordinator.state.requests.AppliedRequests;
import io.corral.protocol.Limits;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks a configuration and names the first offending key. */
final class ConfigValidator {
    private ConfigValidator() {}

    static void validate(CoordinatorConfig c) {
        require(
                c.nodeId() != null && c.nodeId().matches("[A-Za-z0-9_.-]{1,64}"),
                "nodeId",
                "must be 1-64 letters, digits, '_', '.' or '-', got " + quote(c.nodeId()));
        require(c.dataDir() != null, "dataDir", "is required");
        require(
                c.clusterName() != null && c.clusterName().matches("[A-Za-z0-9_.-]{1,64}"),
                "clusterName",
                "must be 1-64 letters, digits, '_', '.' or '-'");
        hostPort("raftAddress", c.raftAddress());
        hostPort("rpcAddress", c.rpcAddress());
        hostPort("httpAddress", c.httpAddress());
        peers(c);
        raft(c.raft());
        require(
                c.limits().maxImageBytes() > 0 && c.limits().maxImageBytes() <= 1024L * 1024 * 1024,
                "limits.maxImageBytes",
                "must be between 1 and 1 GiB");
        require(c.limits().maxInFlightPerConnection() >= 1, "limits.maxInFlightPerConnection", "must be >= 1");
        require(c.limits().maxConnections() >= 1, "limits.maxConnections", "must be >= 1");
        rpcFrames(c.limits());
        http(c.http());
        require(c.retention().jobsMs() >= 0, "retention.jobsMs", "must be >= 0");
        require(c.retention().blobsMs() >= 0, "retention.blobsMs", "must be >= 0");
        require(c.retention().uploadsMs() >= 1000, "retention.uploadsMs", "must be >= 1000");
        require(
                c.housekeeping().tickMs() >= 10 && c.housekeeping().tickMs() <= 10_000,
                "housekeeping.tickMs",
                "must be between 10 and 10000");
        require(c.housekeeping().gcIntervalMs() >= 100, "housekeeping.gcIntervalMs", "must be >= 100");
        require(
                c.housekeeping().gcBatchItems() >= 1
                        && c.housekeeping().gcBatchItems() <= CoreLimits.DEFAULT_MAX_GARBAGE_ITEMS_PER_ENTRY,
                "housekeeping.gcBatchItems",
                "must be between 1 and " + CoreLimits.DEFAULT_MAX_GARBAGE_ITEMS_PER_ENTRY);
        require(c.housekeeping().lockExpiryGraceMs() >= 0, "housekeeping.lockExpiryGraceMs", "must be >= 0");
        workers(c.workers());
        require(
                c.shutdown().leaderTransferTimeoutMs() >= 0
                        && c.shutdown().leaderTransferTimeoutMs()
                                <= CoordinatorConfig.Shutdown.MAX_LEADER_TRANSFER_TIMEOUT_MS,
                "shutdown.leaderTransferTimeoutMs",
                "must be between 0 (no hand-over) and " + CoordinatorConfig.Shutdown.MAX_LEADER_TRANSFER_TIMEOUT_MS);
        health(c);
        tls(c.tls());
        auth(c.auth());
        require(c.security() != null, "security", "must be a mapping");
        try {
            TestFault.parse(c.testing().faults());
        } catch (IllegalArgumentException e) {
            require(false, "testing.faults", e.getMessage());
        }
    }

    private static void rpcFrames(CoordinatorConfig.Limits l) {
        require(
                l.maxPreAuthFrameBytes() >= 64 && l.maxPreAuthFrameBytes() <= Limits.MAX_FRAME_BYTES,
                "limits.maxPreAuthFrameBytes",
                "must be between 64 and " + Limits.MAX_FRAME_BYTES);
        // One whole frame must fit, and one whole pre-Hello frame in the quarter connections without Hello may use.
        long least = Math.max(Limits.MAX_FRAME_BYTES, 4L * l.maxPreAuthFrameBytes());
        require(
                l.maxUnfinishedFrameBytes() >= least && l.maxUnfinishedFrameBytes() <= 64L * 1024 * 1024 * 1024,
                "limits.maxUnfinishedFrameBytes",
                "must be between " + least + " (one frame, and four of limits.maxPreAuthFrameBytes) and 64 GiB");
        require(
                l.frameTimeoutMs() >= 100 && l.frameTimeoutMs() <= 600_000,
                "limits.frameTimeoutMs",
                "must be between 100 and 600000");
        require(
                l.handshakeTimeoutMs() >= 100 && l.handshakeTimeoutMs() <= 600_000,
                "limits.handshakeTimeoutMs",
                "must be between 100 and 600000");
        require(
                l.maxPreAuthConnectionsPerAddress() >= 1 && l.maxPreAuthConnectionsPerAddress() <= 1_000_000,
                "limits.maxPreAuthConnectionsPerAddress",
                "must be between 1 and 1000000");
    }

    private static void http(CoordinatorConfig.Http h) {
        require(h != null, "http", "must be a mapping");
        require(
                h.maxConnections() >= 1 && h.maxConnections() <= 100_000,
                "http.maxConnections",
                "must be between 1 and 100000");
        require(
                h.maxHeaderBytes() >= 1024 && h.maxHeaderBytes() <= 1024 * 1024,
                "http.maxHeaderBytes",
                "must be between 1024 and 1048576");
        require(
                h.maxBodyBytes() >= 0 && h.maxBodyBytes() <= 16 * 1024 * 1024,
                "http.maxBodyBytes",
                "must be between 0 and 16777216");
        require(
                h.requestTimeoutMs() >= 100 && h.requestTimeoutMs() <= 600_000,
                "http.requestTimeoutMs",
                "must be between 100 and 600000");
        require(
                h.idleTimeoutMs() >= 100 && h.idleTimeoutMs() <= 3_600_000,
                "http.idleTimeoutMs",
                "must be between 100 and 3600000");
    }

    /**
     * A stall is judged over whole writes: one write is retried for up to {@code raft.requestTimeoutMs}, so a shorter
     * stall would call a member unhealthy for one slow write.
     */
    private static void health(CoordinatorConfig c) {
        CoordinatorConfig.Health h = c.health();
        require(h != null, "health", "must be a mapping");
        require(
                h.writeStallMs() >= c.raft().requestTimeoutMs() && h.writeStallMs() <= 3_600_000,
                "health.writeStallMs",
                "must be between raft.requestTimeoutMs (" + c.raft().requestTimeoutMs() + ") and 3600000");
        require(
                h.writeProbeIntervalMs() >= 100 && h.writeProbeIntervalMs() <= h.writeStallMs(),
                "health.writeProbeIntervalMs",
                "must be between 100 and health.writeStallMs (" + h.writeStallMs() + ")");
    }

    /** The files themselves are read at start-up, where a missing or unusable one is reported with its key. */
    private static void tls(CoordinatorConfig.Tls t) {
        require(t != null, "tls", "must be a mapping");
        require(
                t.clientAuth() != null && List.of("none", "optional", "require").contains(t.clientAuth()),
                "tls.clientAuth",
                "must be none, optional or require, got " + quote(t.clientAuth()));
        if (t.enabled()) {
            require(t.certChain() != null, "tls.certChain", "is required with TLS (this coordinator's certificate)");
            require(t.privateKey() != null, "tls.privateKey", "is required with TLS (the certificate's key)");
            require(t.trustedCa() != null, "tls.trustedCa", "is required with TLS (the CA of the other members)");
        } else {
            require(
                    t.clientAuth().equals("none"),
                    "tls.clientAuth",
                    "asks for client certificates, but TLS is off (set tls.certChain, tls.privateKey, tls.trustedCa)");
        }
    }

    private static void auth(CoordinatorConfig.Auth a) {
        require(a != null, "auth", "must be a mapping");
        // A peer token alone is allowed: the member presents it without checking tokens itself, the first step of
        // turning authentication on without an outage (docs/operations.md).
        require(
                !a.enabled() || a.peerTokenFile() != null,
                "auth.peerTokenFile",
                "is required with auth.tokensFile: the secret coordinators present to each other");
    }

    private static void workers(CoordinatorConfig.Workers w) {
        require(
                w.leaseTtlMs() >= CoreLimits.MIN_LEASE_TTL_MS && w.leaseTtlMs() <= CoreLimits.MAX_LEASE_TTL_MS,
                "workers.leaseTtlMs",
                "must be between " + CoreLimits.MIN_LEASE_TTL_MS + " and " + CoreLimits.MAX_LEASE_TTL_MS);
        // Two heartbeats must fit in a TTL, or one lost heartbeat expires a healthy worker's leases.
        require(
                w.heartbeatIntervalMs() >= 0 && w.heartbeatIntervalMs() <= w.leaseTtlMs() / 2,
                "workers.heartbeatIntervalMs",
                "must be between 0 (a third of the lease TTL) and half of workers.leaseTtlMs");
        require(
                w.retryBackoffCapMs() >= 0 && w.retryBackoffCapMs() <= CoreLimits.MAX_BACKOFF_MS,
                "workers.retryBackoffCapMs",
                "must be between 0 and " + CoreLimits.MAX_BACKOFF_MS);
        require(
                w.retryBackoffBaseMs() >= 0 && w.retryBackoffBaseMs() <= w.retryBackoffCapMs(),
                "workers.retryBackoffBaseMs",
                "must be between 0 and workers.retryBackoffCapMs");
        require(
                w.failoverGraceMs() >= 0 && w.failoverGraceMs() <= CoreLimits.MAX_LEASE_GRACE_MS,
                "workers.failoverGraceMs",
                "must be between 0 (the lease TTL) and " + CoreLimits.MAX_LEASE_GRACE_MS);
        require(
                w.dispatchTickMs() >= 10 && w.dispatchTickMs() <= 60_000,
                "workers.dispatchTickMs",
                "must be between 10 and 60000");
    }

    private static void peers(CoordinatorConfig c) {
        List<PeerConfig> peers = c.peers() == null ? List.of() : c.peers();
        // A joining member learns the configuration from the leader; its peers, if any, only say where others are.
        require(
                c.join() || peers.size() == 3 || peers.size() == 5,
                "peers",
                "a cluster starts with 3 or 5 coordinators, got " + peers.size()
                        + " (a member added to a running cluster starts with join: true)");
        Set<String> ids = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        for (int i = 0; i < peers.size(); i++) {
            PeerConfig p = peers.get(i);
            String key = "peers[" + i + "]";
            require(
                    p != null && p.id() != null && p.id().matches("[A-Za-z0-9_.-]{1,64}"),
                    key + ".id",
                    "must be 1-64 letters, digits, '_', '.' or '-'");
            require(ids.add(p.id()), key + ".id", "duplicate peer id '" + p.id() + "'");
            hostPort(key + ".raft", p.raft());
            hostPort(key + ".rpc", p.rpc());
            hostPort(key + ".http", p.http());
            for (String a : List.of(p.raft(), p.rpc(), p.http())) {
                require(addresses.add(a), key, "address " + a + " is used twice");
            }
        }
        if (c.join() && !ids.contains(c.nodeId())) {
            return;
        }
        require(ids.contains(c.nodeId()), "nodeId", "'" + c.nodeId() + "' is not one of the peers " + ids);
        PeerConfig self = c.self();
        require(
                self.raft().equals(c.raftAddress()),
                "raftAddress",
                c.raftAddress() + " differs from this node's entry in peers (" + self.raft() + ")");
        require(
                self.rpc().equals(c.rpcAddress()),
                "rpcAddress",
                c.rpcAddress() + " differs from this node's entry in peers (" + self.rpc() + ")");
        require(
                self.http().equals(c.httpAddress()),
                "httpAddress",
                c.httpAddress() + " differs from this node's entry in peers (" + self.http() + ")");
    }

    private static void raft(CoordinatorConfig.Raft r) {
        require(r.electionTimeoutMinMs() >= 100, "raft.electionTimeoutMinMs", "must be >= 100");
        require(
                r.electionTimeoutMaxMs() > r.electionTimeoutMinMs(),
                "raft.electionTimeoutMaxMs",
                "must be greater than raft.electionTimeoutMinMs");
        require(r.snapshotThresholdEntries() >= 1, "raft.snapshotThresholdEntries", "must be >= 1");
        require(r.purgeGapEntries() >= 1, "raft.purgeGapEntries", "must be >= 1");
        require(r.segmentSizeBytes() >= 32 * 1024, "raft.segmentSizeBytes", "must be >= 32 KiB");
        require(r.requestTimeoutMs() >= 100, "raft.requestTimeoutMs", "must be >= 100");
        // A coordinator resends a write for this long; the replicated request log must outlive every resend.
        require(
                r.requestTimeoutMs() <= AppliedRequests.MAX_RESEND_WINDOW_MS,
                "raft.requestTimeoutMs",
                "must be <= " + AppliedRequests.MAX_RESEND_WINDOW_MS);
    }

    static void hostPort(String key, String value) {
        require(value != null, key, "is required (host:port)");
        int colon = value.lastIndexOf(':');
        require(colon > 0, key, "'" + value + "' is not host:port");
        String port = value.substring(colon + 1);
        require(
                port.matches("\\d{1,5}") && Integer.parseInt(port) >= 1 && Integer.parseInt(port) <= 65535,
                key,
                "'" + value + "' has no valid port (1-65535)");
    }

    private static void require(boolean ok, String key, String problem) {
        if (!ok) {
            throw new ConfigException(key, problem);
        }
    }

    private static String quote(String s) {
        return s == null ? "nothing" : "'" + s + "'";
    }
}
