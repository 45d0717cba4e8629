package io.corral.cli;

import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The commands' one port to the cluster: the calls they make, nothing else. The real implementation wraps
 * {@code CorralClient}; unit tests use a fake, so every command's output and exit code can be checked without a network.
 *
 * <p>Every method throws {@link CliException} (with the cluster's error code) on an error reply or a transport failure.
 */
public interface ClusterSession extends AutoCloseable {

    /** Sends a request once. For writes that must not be repeated blindly (cancel, lock acquire, release...). */
    <R extends Response> R call(Request request, Class<R> type);

    /** Sends a request, retrying while the cluster is unavailable. Only for reads and idempotent writes. */
    <R extends Response> R callWithRetry(Request request, Class<R> type);

    /** Uploads an image unless the cluster already holds its bytes, and returns its content address. */
    ImageRef upload(Path file, long maxImageBytes);

    @Override
    void close();

    /**
     * How to reach the cluster; {@code coordinators} is the comma-separated host:port list as the user gave it, {@code
     * tls} the TLS files (never null; {@link Tls#NONE} for plain TCP), {@code token} the secret or null, {@code
     * followLeader} whether the session moves on to the leader when the coordinator reached is a follower (commands
     * that write: see {@link #towardLeader()}). {@link #toString()} leaves the token out.
     */
    record Settings(
            String coordinators,
            long connectTimeoutMs,
            long requestTimeoutMs,
            String clientName,
            Tls tls,
            String token,
            boolean followLeader) {
        public Settings {
            Objects.requireNonNull(tls, "tls");
        }

        /** Plain TCP, no token, staying at the coordinator reached. */
        public Settings(String coordinators, long connectTimeoutMs, long requestTimeoutMs, String clientName) {
            this(coordinators, connectTimeoutMs, requestTimeoutMs, clientName, Tls.NONE, null, false);
        }

        /** The same settings for other coordinators (a command that pins one member). */
        public Settings withCoordinators(String value) {
            return new Settings(value, connectTimeoutMs, requestTimeoutMs, clientName, tls, token, followLeader);
        }

        /**
         * The same settings, moving on to the leader when the coordinator reached is a follower that names one among
         * the coordinators given: for commands that write. Every write is decided by the leader; one sent to a follower
         * travels on from there (an image's bytes cross the network once more) and makes a Raft entry of its own
         * instead of sharing the leader's. Costs one membership question and, at a follower, a second connection.
         * Reads stay where they connect: a stale read is meant for whichever member answers.
         */
        public Settings towardLeader() {
            return new Settings(coordinators, connectTimeoutMs, requestTimeoutMs, clientName, tls, token, true);
        }

        @Override
        public String toString() {
            return "Settings[coordinators=" + coordinators + ", connectTimeoutMs=" + connectTimeoutMs
                    + ", requestTimeoutMs=" + requestTimeoutMs + ", clientName=" + clientName + ", tls=" + tls
                    + ", token=" + (token == null ? "none" : "(redacted)") + ", followLeader=" + followLeader + "]";
        }
    }

    /**
     * The TLS options: the CA bundle to trust ({@code --tls-ca}; null: plain TCP), this client's certificate and key
     * ({@code --tls-cert}, {@code --tls-key}), and the name to verify instead of the host ({@code --tls-server-name}).
     */
    record Tls(Path ca, Path cert, Path key, String serverName) {
        public static final Tls NONE = new Tls(null, null, null, null);

        public boolean enabled() {
            return ca != null;
        }
    }

    /** Opens sessions; {@link Main} holds one so tests can substitute a fake. */
    @FunctionalInterface
    interface Factory {
        ClusterSession open(Settings settings);
    }
}
