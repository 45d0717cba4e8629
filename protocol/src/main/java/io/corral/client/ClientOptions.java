package io.corral.client;

import io.corral.protocol.Limits;
import io.corral.tls.ClientTls;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link CorralClient} connects. Build with {@link #builder(List)}; every limit has a default.
 *
 * @param coordinators the addresses to try, in order from a random starting point
 * @param connectTimeoutMs bound on one TCP connect and, separately, on its handshake
 * @param requestTimeoutMs default bound on one request once sent; a call may pass its own
 * @param clientName sent in Hello; shows in coordinator logs
 * @param maxFrameBytes largest frame sent or accepted; at most {@link Limits#MAX_FRAME_BYTES}
 * @param connectRounds passes over the whole coordinator list before a connect gives up
 * @param backoffBaseMs first pause between connect rounds and between retries; it doubles each time
 * @param backoffMaxMs cap of that pause
 * @param tls TLS to the coordinators, or null for plain TCP (the development default)
 * @param token the secret sent in every connection's Hello, or null for none (coordinators without authentication);
 *     never printed by {@link #toString()}
 * @param followLeader after each connect, move to the leader when the coordinator reached is a follower that names
 *     a leader among {@code coordinators}: every write is decided by the leader, and writes that reach it directly
 *     share its Raft entries instead of making entries of their own through a follower (docs/benchmarks.md, "Where
 *     the clients connect"). Off by default; a client that connects to one member on purpose leaves it off.
 */
public record ClientOptions(
        List<HostPort> coordinators,
        long connectTimeoutMs,
        long requestTimeoutMs,
        String clientName,
        int maxFrameBytes,
        int connectRounds,
        long backoffBaseMs,
        long backoffMaxMs,
        ClientTls tls,
        String token,
        boolean followLeader) {

    public ClientOptions {
        Objects.requireNonNull(coordinators, "coordinators");
        Objects.requireNonNull(clientName, "clientName");
        coordinators = List.copyOf(coordinators);
        if (coordinators.isEmpty()) {
            throw new IllegalArgumentException("at least one coordinator address is needed");
        }
        requireRange("connectTimeoutMs", connectTimeoutMs, 1, 600_000);
        requireRange("requestTimeoutMs", requestTimeoutMs, 1, 24L * 3_600_000);
        requireRange("maxFrameBytes", maxFrameBytes, 64, Limits.MAX_FRAME_BYTES);
        requireRange("connectRounds", connectRounds, 1, 100);
        requireRange("backoffBaseMs", backoffBaseMs, 1, 60_000);
        requireRange("backoffMaxMs", backoffMaxMs, backoffBaseMs, 600_000);
        if (token != null && (token.isBlank() || token.chars().anyMatch(Character::isISOControl))) {
            // Not the token itself: it must not end up in an exception message, which may be logged.
            throw new IllegalArgumentException("the token is empty or holds control characters (a stray newline?)");
        }
    }

    /** The coordinators and settings, without the token (whose presence alone is shown). */
    @Override
    public String toString() {
        return "ClientOptions[coordinators=" + coordinators + ", connectTimeoutMs=" + connectTimeoutMs
                + ", requestTimeoutMs=" + requestTimeoutMs + ", clientName=" + clientName + ", maxFrameBytes="
                + maxFrameBytes + ", connectRounds=" + connectRounds + ", backoffBaseMs=" + backoffBaseMs
                + ", backoffMaxMs=" + backoffMaxMs + ", tls=" + (tls == null ? "off" : tls) + ", token="
                + (token == null ? "none" : "(redacted)") + ", followLeader=" + followLeader + "]";
    }

    public static Builder builder(List<HostPort> coordinators) {
        return new Builder(coordinators);
    }

    private static void requireRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    /** Defaults: connect 3 s, request 30 s, 3 connect rounds, backoff 100 ms doubling to 5 s. */
    public static final class Builder {
        private final List<HostPort> coordinators;
        private long connectTimeoutMs = 3_000;
        private long requestTimeoutMs = 30_000;
        private String clientName = "corral-client";
        private int maxFrameBytes = Limits.MAX_FRAME_BYTES;
        private int connectRounds = 3;
        private long backoffBaseMs = 100;
        private long backoffMaxMs = 5_000;
        private ClientTls tls;
        private String token;
        private boolean followLeader;

        private Builder(List<HostPort> coordinators) {
            this.coordinators = coordinators;
        }

        public Builder connectTimeoutMs(long value) {
            this.connectTimeoutMs = value;
            return this;
        }

        public Builder requestTimeoutMs(long value) {
            this.requestTimeoutMs = value;
            return this;
        }

        public Builder clientName(String value) {
            this.clientName = value;
            return this;
        }

        public Builder maxFrameBytes(int value) {
            this.maxFrameBytes = value;
            return this;
        }

        public Builder connectRounds(int value) {
            this.connectRounds = value;
            return this;
        }

        public Builder backoffBaseMs(long value) {
            this.backoffBaseMs = value;
            return this;
        }

        public Builder backoffMaxMs(long value) {
            this.backoffMaxMs = value;
            return this;
        }

        /** TLS to the coordinators; null (the default) for plain TCP. */
        public Builder tls(ClientTls value) {
            this.tls = value;
            return this;
        }

        /** The token sent in Hello; null (the default) for none. */
        public Builder token(String value) {
            this.token = value;
            return this;
        }

        /** Whether each connect moves on to the leader (see {@link ClientOptions#followLeader()}); off by default. */
        public Builder followLeader(boolean value) {
            this.followLeader = value;
            return this;
        }

        public ClientOptions build() {
            return new ClientOptions(
                    coordinators,
                    connectTimeoutMs,
                    requestTimeoutMs,
                    clientName,
                    maxFrameBytes,
                    connectRounds,
                    backoffBaseMs,
                    backoffMaxMs,
                    tls,
                    token,
                    followLeader);
        }
    }
}
