package io.corral.client;

import io.corral.client.internal.Backoff;
import io.corral.client.internal.Connection;
import io.corral.client.internal.Connector;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.transport.internal.EventLoops;
import io.netty.channel.EventLoopGroup;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to a Corral cluster, shared by the CLI, the worker agent and coordinators forwarding to the leader.
 * Thread-safe; one client carries many concurrent requests over one connection.
 *
 * <p><b>Failover.</b> The client talks to one coordinator at a time (any coordinator forwards to the leader). When
 * that connection drops, the requests in flight on it fail with {@link ErrorCode#UNAVAILABLE} ("the outcome of X is
 * unknown": the coordinator may have applied it), and the next request connects to the next coordinator in the
 * list. The client never resends a request by itself; {@link #callWithRetry} does, and only where the caller says
 * it is safe.
 *
 * <p><b>Threads.</b> Futures complete, and push listeners run, on one client callback thread, in arrival order;
 * never on the I/O thread. Blocking there delays every other answer of this client.
 */
public final class CorralClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CorralClient.class);

    private final ClientOptions options;
    private final EventLoopGroup group;
    private final ExecutorService callbacks;
    private final Connector connector;
    private final List<Consumer<Response>> pushListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> lossListeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    /** The connection in use or being opened; guarded by {@link #lock}. */
    private CompletableFuture<Connection> current;
    /** Index in the coordinator list to try first on the next connect; guarded by {@link #lock}. */
    private int nextIndex;

    private boolean closed;

    private CorralClient(ClientOptions options) {
        this.options = options;
        this.group = EventLoops.nio(1, "corral-client-io", true);
        this.callbacks = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "corral-client-callbacks");
            thread.setDaemon(true);
            return thread;
        });
        this.connector = new Connector(group, options, callbacks, this::onPushReceived);
        // A random first coordinator spreads many clients over the cluster instead of piling onto the first address.
        this.nextIndex =
                ThreadLocalRandom.current().nextInt(options.coordinators().size());
    }

    /**
     * Connects to one of {@link ClientOptions#coordinators()}, starting at a random one, and does the handshake.
     *
     * @throws CorralException UNAVAILABLE "could not reach any coordinator of [...]: last error", or
     *     UNSUPPORTED_VERSION when every coordinator refused this client's protocol version
     */
    public static CorralClient connect(ClientOptions options) {
        CorralClient client = new CorralClient(Objects.requireNonNull(options, "options"));
        try {
            client.await(client.connection(), "connect", client.connectBoundMs());
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * A client that connects on its first request instead of now, for a daemon that must start (and keep retrying)
     * while no coordinator is reachable yet: a worker started before its cluster, or after a power cut, waits for it
     * instead of exiting.
     */
    public static CorralClient connectLazily(ClientOptions options) {
        return new CorralClient(Objects.requireNonNull(options, "options"));
    }

    /** Sends with the default timeout, {@link ClientOptions#requestTimeoutMs()}. */
    public CompletableFuture<Response> send(Request request) {
        return send(request, options.requestTimeoutMs());
    }

    /**
     * Sends a request; connects first if there is no open connection (asynchronously: the caller never blocks). The future completes with the answer, which
     * may be an {@link Response.ErrorReply}, or fails with a {@link CorralException} (wrapped in a {@link
     * CompletionException} for dependent stages, as {@link CompletableFuture} does): UNAVAILABLE, TIMEOUT (the
     * outcome is unknown in both cases) or TOO_LARGE (not sent).
     *
     * @param timeoutMs how long to wait for the answer once the request is sent (a lock wait needs more than the
     *     default)
     * @throws IllegalStateException if the client is closed
     */
    public CompletableFuture<Response> send(Request request, long timeoutMs) {
        Objects.requireNonNull(request, "request");
        if (timeoutMs <= 0) {
            throw new IllegalArgumentException("timeoutMs must be > 0, got " + timeoutMs);
        }
        if (request instanceof Request.Hello) {
            return CompletableFuture.failedFuture(
                    new CorralException(ErrorCode.BAD_REQUEST, "the client sends Hello itself when it connects"));
        }
        return connection().thenCompose(connection -> connection.send(request, timeoutMs));
    }

    /** {@link #call(Request, Class, long)} with the default timeout. */
    public <R extends Response> R call(Request request, Class<R> expected) {
        return call(request, expected, options.requestTimeoutMs());
    }

    /**
     * Sends and waits for the answer.
     *
     * @return the answer, of the expected type
     * @throws CorralException with the coordinator's code for an {@link Response.ErrorReply}; UNAVAILABLE or TIMEOUT
     *     when the outcome is unknown; INTERNAL when the answer has another type than {@code expected}
     */
    public <R extends Response> R call(Request request, Class<R> expected, long timeoutMs) {
        Response answer = await(send(request, timeoutMs), typeOf(request), timeoutMs + connectBoundMs());
        return expect(request, answer, expected);
    }

    /**
     * {@link #call(Request, Class)}, retried up to {@code attempts} times in all while it fails with a retryable code
     * ({@link ErrorCode#retryable()}: UNAVAILABLE, TIMEOUT, OVERLOADED, INTERNAL), pausing with exponential backoff
     * and jitter between attempts.
     *
     * <p>Use it only for reads and idempotent writes (a submission with an idempotency key, a chunk upload, a seal):
     * a retried request whose first attempt was applied but unanswered is applied again.
     */
    public <R extends Response> R callWithRetry(Request request, Class<R> expected, int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be >= 1, got " + attempts);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return call(request, expected);
            } catch (CorralException e) {
                if (!e.code().retryable() || attempt >= attempts) {
                    throw e;
                }
                long pauseMs = Backoff.delayMs(attempt, options.backoffBaseMs(), options.backoffMaxMs());
                log.debug(
                        "{} failed ({}); attempt {} of {} in {} ms",
                        typeOf(request),
                        e,
                        attempt + 1,
                        attempts,
                        pauseMs);
                pause(pauseMs, e);
            }
        }
    }

    /** The coordinator of the open connection, or empty when there is none right now. */
    public Optional<HostPort> connectedTo() {
        synchronized (lock) {
            Connection connection = openConnection();
            return connection == null ? Optional.empty() : Optional.of(connection.target());
        }
    }

    /**
     * Moves to {@code target}, one of the configured coordinators: closes the open connection, if it is to another
     * one, and connects to {@code target} first. Requests in flight on the closed connection fail with UNAVAILABLE,
     * as on any lost connection; the caller chooses a quiet moment. Returns false, changing nothing, when {@code
     * target} is not in the configured list (compared as written: host and port) or the client is closed.
     */
    public boolean reconnectTo(HostPort target) {
        int index = options.coordinators().indexOf(target);
        Connection open;
        synchronized (lock) {
            if (closed || index < 0) {
                return false;
            }
            open = openConnection();
            if (open != null && open.target().equals(target)) {
                return true;
            }
            nextIndex = index;
            current = null;
        }
        if (open != null) {
            log.info("moving from {} to {}", open.target(), target);
            open.close();
        }
        connection();
        return true;
    }

    /**
     * Registers a listener for server-initiated messages (envelope id 0) and interim answers ({@link
     * Response.LockQueued}). Listeners run on the callback thread, in arrival order.
     */
    public void onPush(Consumer<Response> listener) {
        pushListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Registers a listener run (on the callback thread) when the connection in use is lost: the coordinator closed it,
     * stopped or became unreachable. Not when this client closes it or moves it ({@link #reconnectTo}). The client
     * reconnects, to the next coordinator, on the next request; a session-holding caller (a worker) sends that request
     * at once rather than at its next heartbeat.
     */
    public void onConnectionLost(Runnable listener) {
        lossListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Closes the connection; requests in flight fail with UNAVAILABLE. Idempotent. */
    @Override
    public void close() {
        CompletableFuture<Connection> last;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            last = current;
        }
        if (last != null && !last.isCompletedExceptionally()) {
            Connection connection = last.getNow(null);
            if (connection != null) {
                // Waiting for the close lets the in-flight failures be queued before the callback thread stops.
                connection.close().awaitUninterruptibly();
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        callbacks.shutdown();
    }

    /** The open connection, or a connect in progress, or a new connect to the next coordinator. */
    private CompletableFuture<Connection> connection() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the client is closed");
            }
            if (current != null && (!current.isDone() || openConnection() != null)) {
                return current;
            }
            Connection dropped = current == null || current.isCompletedExceptionally() ? null : current.getNow(null);
            if (dropped != null) {
                // Whatever broke that coordinator (crash, partition) likely persists; start with the next one.
                nextIndex = (options.coordinators().indexOf(dropped.target()) + 1)
                        % options.coordinators().size();
                log.info("connection to {} lost; reconnecting", dropped.target());
            }
            CompletableFuture<Connection> attempt = connector.connect(nextIndex).thenCompose(connector::towardLeader);
            current = attempt;
            attempt.thenAccept(this::closeIfClientClosed);
            attempt.thenAccept(this::watchForLoss);
            return attempt;
        }
    }

    private Connection openConnection() {
        if (current == null || !current.isDone() || current.isCompletedExceptionally()) {
            return null;
        }
        Connection connection = current.join();
        return connection.isOpen() ? connection : null;
    }

    /** Tells the loss listeners when {@code connection} closes while it is still the one in use. */
    private void watchForLoss(Connection connection) {
        connection.closeFuture().addListener(f -> {
            synchronized (lock) {
                // Closed by close() or replaced by reconnectTo(): not lost.
                if (closed || current == null || current.getNow(null) != connection) {
                    return;
                }
            }
            try {
                callbacks.execute(() -> lossListeners.forEach(Runnable::run));
            } catch (RejectedExecutionException e) {
                // The client closed meanwhile.
            }
        });
    }

    /** A connect that finishes after close() must not leave a connection open behind the closed client. */
    private void closeIfClientClosed(Connection connection) {
        synchronized (lock) {
            if (!closed) {
                return;
            }
        }
        connection.close();
    }

    private void onPushReceived(Response push) {
        for (Consumer<Response> listener : pushListeners) {
            try {
                listener.accept(push);
            } catch (RuntimeException e) {
                log.warn("push listener failed on {}", typeOf(push), e);
            }
        }
    }

    /**
     * Upper bound of one connect: every round tries every coordinator (TCP connect, then handshake, each bounded by
     * the connect timeout) and pauses at most the backoff cap between rounds. Only a guard against a hang: the
     * pieces time out on their own.
     */
    private long connectBoundMs() {
        long perRound = 2 * options.connectTimeoutMs() * options.coordinators().size();
        return options.connectRounds() * (perRound + options.backoffMaxMs()) + 1_000;
    }

    private <T> T await(CompletableFuture<T> future, String what, long boundMs) {
        try {
            return future.get(boundMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw rethrown(e.getCause());
        } catch (TimeoutException e) {
            throw new CorralException(ErrorCode.TIMEOUT, what + " did not finish within " + boundMs + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CorralException(
                    ErrorCode.UNAVAILABLE, "interrupted while waiting for " + what + "; its outcome is unknown");
        }
    }

    /** A new exception, so the stack trace shows the caller's thread and not only the I/O thread. */
    private static CorralException rethrown(Throwable cause) {
        if (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof CorralException e) {
            return new CorralException(e.code(), e.getMessage(), e);
        }
        return new CorralException(ErrorCode.INTERNAL, "unexpected failure: " + cause, cause);
    }

    /** Maps an answer to the expected type, or to the exception a blocking caller sees. */
    public static <R extends Response> R expect(Request request, Response answer, Class<R> expected) {
        if (answer instanceof Response.ErrorReply error) {
            // Answers are not null-checked on decode; a codeless error is still an error, of unknown kind.
            throw new CorralException(error.code() == null ? ErrorCode.INTERNAL : error.code(), error.message());
        }
        if (!expected.isInstance(answer)) {
            throw new CorralException(
                    ErrorCode.INTERNAL,
                    "expected " + expected.getSimpleName() + " in answer to " + typeOf(request) + ", got "
                            + typeOf(answer));
        }
        return expected.cast(answer);
    }

    /** Failure of the future as a {@link CorralException}, as {@link #call} would throw it. */
    static CorralException unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof CorralException e
                ? e
                : new CorralException(ErrorCode.INTERNAL, "unexpected failure: " + cause, cause);
    }

    private static void pause(long ms, CorralException pending) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw pending;
        }
    }

    private static String typeOf(Object message) {
        return message.getClass().getSimpleName();
    }
}
