package io.corral.worker;

import io.corral.client.HostPort;
import io.corral.worker.internal.ConfigException;
import io.corral.worker.internal.MetricsEndpoint;
import io.corral.worker.pipeline.PipelineLimits;
import java.util.List;

/**
 * A worker's configuration, read from YAML ({@link io.corral.worker.internal.ConfigLoader}) and overridden by flags.
 * Every limit is named with its unit last. {@link #validate()} reports the first problem with the offending key.
 *
 * @param coordinators {@code host:port} of the coordinators' client/worker protocol ports (any subset will do: every
 *     coordinator forwards to the leader)
 * @param id the worker's id; null means "host name plus a stable random suffix kept in {@code stateDir}"
 * @param slots tasks run at the same time
 * @param capabilities free-form labels sent when registering
 * @param stateDir where the worker keeps its generated id
 * @param drainGraceMs on SIGTERM, how long in-flight tasks may run before their leases are released
 * @param taskTimeoutMs bound on one task, download to completion; past it the task fails, retryable
 * @param progressIntervalMs at most one progress report per task per this interval, the first one interval after the
 *     task starts
 * @param requestTimeoutMs bound on one request to the cluster
 * @param pipeline limits of the image pipeline
 * @param followLeader whether an idle worker moves its connection to the leader (among {@code coordinators}): the
 *     leader then grants it a new job's tasks in the submission's own Raft entry, whichever member the job came
 *     through
 * @param metricsAddress {@code host:port} of an HTTP port serving {@code /metrics} and {@code /health} (port 0: any
 *     free port); null (the default) serves none
 * @param tls TLS to the coordinators; plain TCP unless {@code tls.trustedCa} is set
 * @param token the worker's token (role worker), for coordinators with authentication; prefer {@code tokenFile},
 *     which keeps the secret out of the configuration; never printed
 * @param tokenFile a file holding the token (one line, mode 0600), read at start-up
 */
public record WorkerConfig(
        List<String> coordinators,
        String id,
        int slots,
        List<String> capabilities,
        String stateDir,
        long drainGraceMs,
        long taskTimeoutMs,
        long progressIntervalMs,
        long requestTimeoutMs,
        Pipeline pipeline,
        boolean followLeader,
        String metricsAddress,
        Tls tls,
        String token,
        String tokenFile) {

    /** Most slots a worker may declare; the coordinator refuses more leases per worker than this anyway. */
    public static final int MAX_SLOTS = 1024;

    public static final int MAX_ID_CHARS = 256;

    /**
     * TLS towards the coordinators. {@code trustedCa}: the CAs (PEM) of the coordinators' certificates; setting it
     * turns TLS on. {@code certChain}/{@code privateKey}: this worker's certificate (PEM) and key (PKCS#8), for
     * coordinators that require client certificates. {@code serverName}: verify the coordinators' certificates
     * against this name instead of the host in {@code coordinators}.
     */
    public record Tls(String trustedCa, String certChain, String privateKey, String serverName) {
        public static Tls defaults() {
            return new Tls(null, null, null, null);
        }

        public boolean enabled() {
            return trustedCa != null;
        }
    }

    /** A configuration without TLS or token (the development default), as before they existed. */
    public WorkerConfig(
            List<String> coordinators,
            String id,
            int slots,
            List<String> capabilities,
            String stateDir,
            long drainGraceMs,
            long taskTimeoutMs,
            long progressIntervalMs,
            long requestTimeoutMs,
            Pipeline pipeline,
            boolean followLeader) {
        this(
                coordinators,
                id,
                slots,
                capabilities,
                stateDir,
                drainGraceMs,
                taskTimeoutMs,
                progressIntervalMs,
                requestTimeoutMs,
                pipeline,
                followLeader,
                null,
                Tls.defaults(),
                null,
                null);
    }

    /** {@link PipelineLimits} as configuration keys. */
    public record Pipeline(long maxPixels, long maxInputBytes, int maxFrames, long maxOutputBytes) {
        public static Pipeline defaults() {
            PipelineLimits d = PipelineLimits.defaults();
            return new Pipeline(d.maxPixels(), d.maxInputBytes(), d.maxFrames(), d.maxOutputBytes());
        }

        public PipelineLimits limits() {
            return new PipelineLimits(maxPixels, maxInputBytes, maxFrames, maxOutputBytes);
        }
    }

    public static WorkerConfig defaults() {
        return new WorkerConfig(
                List.of(),
                null,
                Runtime.getRuntime().availableProcessors(),
                List.of(),
                "./.corral/worker",
                60_000,
                300_000,
                1_000,
                30_000,
                Pipeline.defaults(),
                true,
                null,
                Tls.defaults(),
                null,
                null);
    }

    public WorkerConfig withId(String value) {
        return new WorkerConfig(
                coordinators,
                value,
                slots,
                capabilities,
                stateDir,
                drainGraceMs,
                taskTimeoutMs,
                progressIntervalMs,
                requestTimeoutMs,
                pipeline,
                followLeader,
                metricsAddress,
                tls,
                token,
                tokenFile);
    }

    public WorkerConfig withMetricsAddress(String value) {
        return new WorkerConfig(
                coordinators,
                id,
                slots,
                capabilities,
                stateDir,
                drainGraceMs,
                taskTimeoutMs,
                progressIntervalMs,
                requestTimeoutMs,
                pipeline,
                followLeader,
                value,
                tls,
                token,
                tokenFile);
    }

    /** The same configuration with TLS and a token file, for tests and tools that build one in code. */
    public WorkerConfig withSecurity(Tls tlsValue, String tokenFileValue) {
        return new WorkerConfig(
                coordinators,
                id,
                slots,
                capabilities,
                stateDir,
                drainGraceMs,
                taskTimeoutMs,
                progressIntervalMs,
                requestTimeoutMs,
                pipeline,
                followLeader,
                metricsAddress,
                tlsValue,
                null,
                tokenFileValue);
    }

    public List<HostPort> coordinatorAddresses() {
        return coordinators.stream().map(HostPort::parse).toList();
    }

    /** @throws ConfigException naming the first invalid key */
    public WorkerConfig validate() {
        if (coordinators == null || coordinators.isEmpty()) {
            throw new ConfigException(
                    "coordinators",
                    "at least one coordinator address is needed (--coordinators or CORRAL_COORDINATORS)");
        }
        for (String c : coordinators) {
            try {
                HostPort.parse(c);
            } catch (RuntimeException e) {
                throw new ConfigException("coordinators", "'" + c + "' is not host:port: " + e.getMessage());
            }
        }
        if (id != null
                && (id.isBlank() || id.length() > MAX_ID_CHARS || id.chars().anyMatch(Character::isISOControl))) {
            throw new ConfigException("id", "must be 1 to " + MAX_ID_CHARS + " printable characters");
        }
        range("slots", slots, 1, MAX_SLOTS);
        if (capabilities == null || capabilities.stream().anyMatch(c -> c == null || c.isBlank())) {
            throw new ConfigException("capabilities", "must be a list of non-empty names");
        }
        if (stateDir == null || stateDir.isBlank()) {
            throw new ConfigException("stateDir", "must not be empty");
        }
        range("drainGraceMs", drainGraceMs, 0, 24L * 3_600_000);
        range("taskTimeoutMs", taskTimeoutMs, 1_000, 24L * 3_600_000);
        range("progressIntervalMs", progressIntervalMs, 0, 3_600_000);
        range("requestTimeoutMs", requestTimeoutMs, 100, 3_600_000);
        if (pipeline == null) {
            throw new ConfigException("pipeline", "must be a mapping");
        }
        if (metricsAddress != null) {
            try {
                MetricsEndpoint.address(metricsAddress);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(
                        "metricsAddress", "'" + metricsAddress + "' is not host:port: " + e.getMessage());
            }
        }
        try {
            pipeline.limits();
        } catch (IllegalArgumentException e) {
            throw new ConfigException("pipeline", e.getMessage());
        }
        validateSecurity();
        return this;
    }

    private void validateSecurity() {
        if (tls == null) {
            throw new ConfigException("tls", "must be a mapping");
        }
        if (!tls.enabled() && (tls.certChain() != null || tls.privateKey() != null || tls.serverName() != null)) {
            throw new ConfigException(
                    "tls.trustedCa", "is required to use TLS (the CA bundle of the coordinators' certificates)");
        }
        if ((tls.certChain() == null) != (tls.privateKey() == null)) {
            throw new ConfigException(
                    tls.certChain() == null ? "tls.certChain" : "tls.privateKey",
                    "a client certificate needs its key: set both tls.certChain and tls.privateKey, or neither");
        }
        if (token != null && tokenFile != null) {
            throw new ConfigException("token", "set token or tokenFile, not both");
        }
        if (token != null && (token.isBlank() || token.chars().anyMatch(Character::isISOControl))) {
            throw new ConfigException("token", "is empty or holds control characters");
        }
    }

    /** Every setting, the token left out (only whether there is one is shown). */
    @Override
    public String toString() {
        return "WorkerConfig[coordinators=" + coordinators + ", id=" + id + ", slots=" + slots + ", capabilities="
                + capabilities + ", stateDir=" + stateDir + ", drainGraceMs=" + drainGraceMs + ", taskTimeoutMs="
                + taskTimeoutMs + ", progressIntervalMs=" + progressIntervalMs + ", requestTimeoutMs="
                + requestTimeoutMs + ", pipeline=" + pipeline + ", followLeader=" + followLeader + ", tls=" + tls
                + ", token=" + (token == null ? "none" : "(redacted)") + ", tokenFile=" + tokenFile + "]";
    }

    private static void range(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + value);
        }
    }
}
