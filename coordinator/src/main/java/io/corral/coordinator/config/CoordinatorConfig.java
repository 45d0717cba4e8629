package io.corral.coordinator.config;

import io.corral.protocol.transport.ServerOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * A coordinator's configuration, read from YAML ({@link ConfigLoader}) and overridden by flags. Every limit is named
 * with its unit last. {@link #validate()} reports the first problem with the offending key.
 *
 * <p>{@code peers} is the bootstrap configuration of a new cluster: once a member's Raft log holds a configuration
 * (from its first start on), the replicated one wins, as etcd's {@code initial-cluster} does; members are then added
 * and removed with {@code corral cluster add-peer/remove-peer}. {@code join}: this member starts empty, as a listener
 * of no cluster yet, and waits for a leader to add it ({@code add-peer}); {@code peers} may then be empty.
 */
public record CoordinatorConfig(
        String nodeId,
        Path dataDir,
        String clusterName,
        String raftAddress,
        String rpcAddress,
        String httpAddress,
        List<PeerConfig> peers,
        boolean join,
        Raft raft,
        Limits limits,
        Http http,
        Retention retention,
        Housekeeping housekeeping,
        Workers workers,
        Shutdown shutdown,
        Health health,
        Testing testing,
        Tls tls,
        Auth auth,
        Security security) {

    /**
     * TLS on the Raft, RPC and HTTP ports (docs/operations.md, "TLS and tokens"). {@code certChain}: this
     * coordinator's certificate chain (PEM, leaf first), valid for every address peers and clients use to reach it and
     * with extended key usage serverAuth and clientAuth; {@code privateKey}: its key (PKCS#8 PEM); {@code trustedCa}:
     * the CAs (PEM) that signed the other coordinators' and the clients' certificates. Raft between coordinators is
     * always mutual TLS; {@code clientAuth} ({@code none}, {@code optional}, {@code require}) says whether the RPC
     * and HTTP ports ask clients and workers for certificates too. All three files unset: plain TCP everywhere.
     */
    public record Tls(Path certChain, Path privateKey, Path trustedCa, String clientAuth) {
        public static Tls defaults() {
            return new Tls(null, null, null, "none");
        }

        public boolean enabled() {
            return certChain != null || privateKey != null || trustedCa != null;
        }
    }

    /**
     * Token authentication (docs/operations.md, "TLS and tokens"). {@code tokensFile}: YAML listing each token's
     * SHA-256, name and role; unset, every connection may send everything. {@code peerTokenFile}: the secret the
     * coordinators present to each other (role peer), the same file on every member; required with a tokens file, and
     * allowed without one (the member then presents it to its peers but checks no tokens itself).
     */
    public record Auth(Path tokensFile, Path peerTokenFile) {
        public static Auth defaults() {
            return new Auth(null, null);
        }

        public boolean enabled() {
            return tokensFile != null;
        }
    }

    /**
     * {@code insecure}: run although the configuration leaves a port open that it claims to protect (today: tokens on,
     * the Raft port without TLS on an address other than loopback, where anyone who reaches it can read and change the
     * state without a token). Off, such a member refuses to start; on, it starts and says so in a warning
     * (docs/security.md).
     */
    public record Security(boolean insecure) {
        public static Security defaults() {
            return new Security(false);
        }
    }

    /**
     * What a coordinator does when asked to stop (SIGTERM). {@code leaderTransferTimeoutMs}: a leader first hands
     * leadership to its most caught-up follower and waits at most this long for another member to lead, so the cluster
     * does not sit through an election timeout without a leader; 0 stops without handing over.
     */
    public record Shutdown(long leaderTransferTimeoutMs) {
        /** Upper bound of the key: a stop must not wait on a hand-over that is not coming. */
        public static final long MAX_LEADER_TRANSFER_TIMEOUT_MS = 60_000;

        public static Shutdown defaults() {
            return new Shutdown(5_000);
        }
    }

    /**
     * When a member calls itself unhealthy (docs/operations.md, "Health"). {@code writeStallMs}: a member whose every
     * write failed for this long while a leader was reachable cannot commit, and says so on {@code /health}, in {@code
     * corral cluster status}, in the metrics and to the systemd watchdog. {@code writeProbeIntervalMs}: while its
     * writes fail, how often it commits a no-op to learn whether it can again (none while writes succeed).
     */
    public record Health(long writeStallMs, long writeProbeIntervalMs) {
        public static Health defaults() {
            return new Health(30_000, 5_000);
        }
    }

    /**
     * Deliberate bugs for the fault-injection harness's proofs ({@link io.corral.coordinator.state.TestFault}): never
     * set outside a test. {@code faults}: e.g. {@code [accept-stale-tokens]}.
     */
    public record Testing(List<String> faults) {
        public Testing {
            faults = faults == null ? List.of() : List.copyOf(faults);
        }

        public static Testing defaults() {
            return new Testing(List.of());
        }
    }

    /** Raft timing and log management. */
    public record Raft(
            long electionTimeoutMinMs,
            long electionTimeoutMaxMs,
            long snapshotThresholdEntries,
            long purgeGapEntries,
            long segmentSizeBytes,
            long requestTimeoutMs,
            boolean autoSnapshot) {
        public static Raft defaults() {
            return new Raft(1000, 2000, 10_000, 1024, 8L * 1024 * 1024, 10_000, true);
        }
    }

    /**
     * Limits on what clients may send on the RPC port (docs/protocol.md, "Limits and shutdown"). {@code
     * maxPreAuthFrameBytes}: the largest frame before the connection's Hello is accepted (a Hello is a few hundred
     * bytes). {@code maxUnfinishedFrameBytes}: bytes held across all connections in frames that began to arrive and are
     * not complete; when full, the slowest such frame's connection is closed to make room. {@code frameTimeoutMs}: a
     * frame must be complete this long after its first byte. {@code handshakeTimeoutMs}: a connection must have its
     * Hello accepted within this. {@code maxPreAuthConnectionsPerAddress}: connections from one IP address whose Hello
     * is not accepted yet; more are refused (connections that said Hello do not count).
     */
    public record Limits(
            long maxImageBytes,
            int maxInFlightPerConnection,
            int maxConnections,
            int maxPreAuthFrameBytes,
            long maxUnfinishedFrameBytes,
            long frameTimeoutMs,
            long handshakeTimeoutMs,
            int maxPreAuthConnectionsPerAddress) {
        public static Limits defaults() {
            ServerOptions rpc = ServerOptions.defaults();
            return new Limits(
                    50L * 1024 * 1024,
                    rpc.maxInFlightPerConnection(),
                    rpc.maxConnections(),
                    rpc.maxPreAuthFrameBytes(),
                    rpc.maxUnfinishedFrameBytes(),
                    rpc.frameTimeoutMs(),
                    rpc.handshakeTimeoutMs(),
                    rpc.maxPreAuthConnectionsPerAddress());
        }
    }

    /**
     * Limits of the HTTP port (health, metrics, status), so that slow or endless requests cannot hold it. {@code
     * maxConnections}: more are answered 503 and closed. {@code maxHeaderBytes}: the request line, and the headers, may
     * each be this long (414, 431). {@code maxBodyBytes}: a larger body is answered 413. {@code requestTimeoutMs}: a
     * request must arrive whole this long after its first byte (408). {@code idleTimeoutMs}: a connection with no
     * request under way is closed after this.
     */
    public record Http(
            int maxConnections, int maxHeaderBytes, int maxBodyBytes, long requestTimeoutMs, long idleTimeoutMs) {
        public static Http defaults() {
            return new Http(256, 8 * 1024, 64 * 1024, 10_000, 60_000);
        }
    }

    /** How long finished jobs, unreferenced images and abandoned uploads are kept. */
    public record Retention(long jobsMs, long blobsMs, long uploadsMs) {
        public static Retention defaults() {
            return new Retention(7L * 24 * 3600 * 1000, 3600L * 1000, 3600L * 1000);
        }
    }

    /**
     * The leader's periodic work. {@code lockExpiryGraceMs}: after winning an election the leader waits this long
     * before expiring locks, because holders could not renew while there was no leader.
     */
    public record Housekeeping(long tickMs, long gcIntervalMs, int gcBatchItems, long lockExpiryGraceMs) {
        public static Housekeeping defaults() {
            return new Housekeeping(100, 10_000, 1000, 3000);
        }
    }

    /**
     * The worker protocol. {@code leaseTtlMs}: a lease lapses this long after its last extension. {@code
     * heartbeatIntervalMs}: how often workers are told to heartbeat; 0 means a third of the TTL. {@code
     * retryBackoffBaseMs}/{@code retryBackoffCapMs}: the exponential backoff (with jitter) before a task whose lease
     * expired or whose attempt failed retryably is leased again. {@code failoverGraceMs}: a new leader extends every
     * live lease to at least now + this before it expires any; 0 means the lease TTL. {@code dispatchTickMs}: the
     * backstop period of dispatch (offers are triggered by events; the tick only catches what events missed).
     */
    public record Workers(
            long leaseTtlMs,
            long heartbeatIntervalMs,
            long retryBackoffBaseMs,
            long retryBackoffCapMs,
            long failoverGraceMs,
            long dispatchTickMs) {
        public static Workers defaults() {
            return new Workers(30_000, 0, 1_000, 60_000, 0, 1_000);
        }

        /** The interval workers are told to heartbeat at. */
        public long effectiveHeartbeatIntervalMs() {
            return heartbeatIntervalMs > 0 ? heartbeatIntervalMs : Math.max(1, leaseTtlMs / 3);
        }

        /** The grace a new leader gives live leases. */
        public long effectiveFailoverGraceMs() {
            return failoverGraceMs > 0 ? failoverGraceMs : leaseTtlMs;
        }
    }

    public PeerConfig self() {
        return peers.stream().filter(p -> p.id().equals(nodeId)).findFirst().orElseThrow();
    }

    public CoordinatorConfig validate() {
        ConfigValidator.validate(this);
        return this;
    }
}
