package io.corral.coordinator.rpc;

import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.HostPort;
import io.corral.coordinator.membership.Member;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.tls.ClientTls;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connections from this coordinator to its peers' RPC ports (status and worker-list gathering, snapshot transfer,
 * membership requests forwarded to the leader). Gathering connections are cached and re-made when they fail.
 */
public final class PeerClients implements AutoCloseable {
    /** A peer that does not answer a connect within this time is reported unreachable. */
    static final long CONNECT_TIMEOUT_MS = 1000;

    /**
     * The client name of a request one coordinator forwards to the leader. A member that receives one and does not
     * lead answers it itself instead of forwarding again, so a request never bounces between members while
     * leadership moves. A name, not an authorization: anyone may send it, and gets no more than an error.
     */
    public static final String FORWARDED_PREFIX = "forwarded:";

    /** What follows the forwarding member's id when it forwards an admin's request: the admin's token name. */
    static final String ON_BEHALF_OF = ":for:";

    /**
     * The client name of a forwarded request: {@code forwarded:n2}, or {@code forwarded:n2:for:ops} for admin {@code
     * ops}. The leader believes the admin's name only from a coordinator (the peer role, with TLS a coordinator's
     * certificate): the member that checked the admin's token.
     */
    static String forwardedName(String selfId, String admin) {
        return FORWARDED_PREFIX + selfId + (admin == null ? "" : ON_BEHALF_OF + admin);
    }

    /** The admin a forwarded client name speaks for, or null. */
    static String onBehalfOf(String clientName) {
        if (clientName == null || !clientName.startsWith(FORWARDED_PREFIX)) {
            return null;
        }
        int at = clientName.indexOf(ON_BEHALF_OF);
        return at < 0 ? null : clientName.substring(at + ON_BEHALF_OF.length());
    }

    private final String selfId;
    private final Credentials credentials;
    private final Map<String, CorralClient> statusClients = new ConcurrentHashMap<>();
    /** Status calls block (connect, round trip); they get their own threads, never the common pool's. */
    private final java.util.concurrent.ExecutorService callers =
            java.util.concurrent.Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "peer-status");
                t.setDaemon(true);
                return t;
            });

    /**
     * How this coordinator shows itself to its peers: TLS with its own certificate, and the peer token, each null when
     * off. Never printed with the token.
     */
    public record Credentials(ClientTls tls, String token) {
        public static final Credentials NONE = new Credentials(null, null);

        @Override
        public String toString() {
            return "Credentials[tls=" + tls + ", token=" + (token == null ? "none" : "(redacted)") + "]";
        }
    }

    public PeerClients(String selfId) {
        this(selfId, Credentials.NONE);
    }

    public PeerClients(String selfId, Credentials credentials) {
        this.selfId = selfId;
        this.credentials = credentials;
    }

    /** A dedicated connection to one peer, with this coordinator's credentials; the caller closes it. */
    public CorralClient open(Member peer, String clientName) {
        return connect(peer, clientName, credentials);
    }

    /** A dedicated connection to one peer, without TLS or token; the caller closes it. */
    public static CorralClient connect(Member peer, String clientName) {
        return connect(peer, clientName, Credentials.NONE);
    }

    /** A dedicated connection to one peer; the caller closes it. */
    public static CorralClient connect(Member peer, String clientName, Credentials credentials) {
        if (peer.rpcAddress() == null) {
            throw new IllegalStateException("the rpc address of member '" + peer.id() + "' is not known here");
        }
        return CorralClient.connect(ClientOptions.builder(List.of(HostPort.parse(peer.rpcAddress())))
                .clientName(clientName)
                .connectTimeoutMs(CONNECT_TIMEOUT_MS)
                .connectRounds(1)
                .tls(credentials.tls())
                .token(credentials.token())
                .build());
    }

    public CompletableFuture<MemberStatus> status(Member peer, long timeoutMs) {
        return call(peer, new Request.GetNodeStatus(), Response.NodeStatus.class, timeoutMs)
                .thenApply(Response.NodeStatus::member);
    }

    /** The workers connected to one peer, for {@code corral workers}. */
    public CompletableFuture<Response.LocalWorkers> localWorkers(Member peer, long timeoutMs) {
        return call(peer, new Request.GetLocalWorkers(), Response.LocalWorkers.class, timeoutMs);
    }

    /**
     * Sends {@code request} to the leader on a connection of its own (a membership change may take minutes, and must
     * not hold up the status connection) and completes with the leader's answer, an error reply included.
     */
    public CompletableFuture<Response> forward(Member leader, Request request, String admin, long timeoutMs) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try (CorralClient c = open(leader, forwardedName(selfId, admin))) {
                        return c.send(request, timeoutMs).join();
                    }
                },
                callers);
    }

    /** One request on the cached connection to a peer; a failed connection is dropped so the next call re-makes it. */
    private <R extends Response> CompletableFuture<R> call(
            Member peer, Request request, Class<R> type, long timeoutMs) {
        return CompletableFuture.supplyAsync(
                        () -> {
                            // By id and address: an id asked for at a wrong address (a refused add-peer) must not
                            // leave a connection that later requests for the real member would reuse.
                            String key = peer.id() + "@" + peer.rpcAddress();
                            CorralClient c = statusClients.computeIfAbsent(key, k -> open(peer, "peer:" + selfId));
                            try {
                                return c.call(request, type, timeoutMs);
                            } catch (RuntimeException e) {
                                statusClients.remove(key);
                                c.close();
                                throw e;
                            }
                        },
                        callers)
                .orTimeout(timeoutMs + CONNECT_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        callers.shutdownNow();
        statusClients.values().forEach(CorralClient::close);
        statusClients.clear();
    }
}
