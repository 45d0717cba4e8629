package io.corral.client.internal;

import io.corral.client.ClientOptions;
import io.corral.client.CorralException;
import io.corral.client.HostPort;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.PeerView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.netty.channel.EventLoopGroup;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a coordinator that accepts a connection: tries every address once from a given index (a round), and
 * pauses with backoff between rounds, for at most {@link ClientOptions#connectRounds()} rounds. Asynchronous, so a
 * caller on an event loop (a coordinator forwarding to the leader) is never blocked.
 */
public final class Connector {
    private static final Logger log = LoggerFactory.getLogger(Connector.class);

    private final EventLoopGroup group;
    private final ClientOptions options;
    private final Executor callbacks;
    private final Consumer<Response> pushes;

    public Connector(EventLoopGroup group, ClientOptions options, Executor callbacks, Consumer<Response> pushes) {
        this.group = group;
        this.options = options;
        this.callbacks = callbacks;
        this.pushes = pushes;
    }

    /** Connects to the first coordinator that accepts, starting with {@code coordinators().get(startIndex)}. */
    public CompletableFuture<Connection> connect(int startIndex) {
        CompletableFuture<Connection> result = new CompletableFuture<>();
        attempt(startIndex, 0, 0, null, true, result);
        return result;
    }

    /**
     * With {@link ClientOptions#followLeader()}: the connection to the leader when {@code reached} is a follower that
     * names a leader among the configured coordinators ({@link #leaderToMove}); else {@code reached} itself. Asking
     * costs one {@code GetMembership} (answered by the member reached, from its own view); should that or the
     * connect to the leader fail, the client stays where it is, as without the option. No request can be in flight
     * on {@code reached} yet: it is handed to callers only after this.
     */
    public CompletableFuture<Connection> towardLeader(Connection reached) {
        if (!options.followLeader() || options.coordinators().size() < 2) {
            return CompletableFuture.completedFuture(reached);
        }
        return reached.send(new Request.GetMembership(), options.connectTimeoutMs())
                .handle((reply, error) ->
                        error == null ? leaderToMove(reply, reached.target(), options.coordinators()) : null)
                .thenCompose(leader -> {
                    if (leader == null) {
                        return CompletableFuture.completedFuture(reached);
                    }
                    return Connection.open(group, leader, options, callbacks, pushes)
                            .handle((atLeader, error) -> {
                                if (error != null) {
                                    log.debug(
                                            "staying at {}: the leader at {} did not take the connection: {}",
                                            reached.target(),
                                            leader,
                                            error.toString());
                                    return reached;
                                }
                                log.debug("moved from {} to the leader at {}", reached.target(), leader);
                                reached.close();
                                return atLeader;
                            });
                });
    }

    /**
     * Where to move from {@code here}, given a coordinator's answer to {@code GetMembership}: the leader's client
     * address when the answer names a leader other than the member at {@code here} and that address is one of
     * {@code configured} (as written: a client only ever connects to the addresses it was given); else null.
     */
    static HostPort leaderToMove(Response reply, HostPort here, List<HostPort> configured) {
        if (!(reply instanceof Response.Membership m) || m.leaderId() == null || m.peers() == null) {
            return null;
        }
        for (PeerView peer : m.peers()) {
            if (peer == null || !m.leaderId().equals(peer.id()) || peer.rpcAddress() == null) {
                continue;
            }
            HostPort leader;
            try {
                leader = HostPort.parse(peer.rpcAddress());
            } catch (RuntimeException e) {
                return null;
            }
            return !leader.equals(here) && configured.contains(leader) ? leader : null;
        }
        return null;
    }

    /**
     * @param allRefused every failure so far was a coordinator refusing the handshake (a version mismatch), which
     *     retrying cannot fix, so the final error keeps the coordinator's code
     */
    private void attempt(
            int start,
            int round,
            int tried,
            Throwable lastError,
            boolean allRefused,
            CompletableFuture<Connection> result) {
        List<HostPort> targets = options.coordinators();
        if (tried == targets.size()) {
            if (round + 1 >= options.connectRounds() || allRefused) {
                result.completeExceptionally(giveUp(lastError, allRefused));
                return;
            }
            long pauseMs = Backoff.delayMs(round + 1, options.backoffBaseMs(), options.backoffMaxMs());
            group.schedule(() -> attempt(start, round + 1, 0, lastError, true, result), pauseMs, TimeUnit.MILLISECONDS);
            return;
        }
        HostPort target = targets.get((start + tried) % targets.size());
        Connection.open(group, target, options, callbacks, pushes).whenComplete((connection, error) -> {
            if (error == null) {
                result.complete(connection);
                return;
            }
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            boolean refused = cause instanceof CorralException ce && !ce.code().retryable();
            attempt(start, round, tried + 1, cause, allRefused && refused, result);
        });
    }

    private CorralException giveUp(Throwable lastError, boolean allRefused) {
        ErrorCode code = allRefused && lastError instanceof CorralException ce ? ce.code() : ErrorCode.UNAVAILABLE;
        String last = lastError == null ? "no attempt made" : lastError.getMessage();
        // Refused (a version, a token, a certificate): they were reached, and retrying will not change their answer.
        String what = allRefused && lastError instanceof CorralException
                ? "no coordinator of " + options.coordinators() + " accepted this client: "
                : "could not reach any coordinator of " + options.coordinators() + ": ";
        return new CorralException(code, what + last, lastError);
    }
}
