package io.corral.client.internal;

import io.corral.client.ClientOptions;
import io.corral.client.CorralException;
import io.corral.client.HostPort;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Response;
import io.netty.channel.EventLoopGroup;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Finds a coordinator that accepts a connection: tries every address once from a given index (a round), and
 * pauses with backoff between rounds, for at most {@link ClientOptions#connectRounds()} rounds. Asynchronous, so a
 * caller on an event loop (a coordinator forwarding to the leader) is never blocked.
 */
public final class Connector {
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
