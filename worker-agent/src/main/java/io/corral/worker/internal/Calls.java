package io.corral.worker.internal;

import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.client.internal.Backoff;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Blocking calls over a {@link ClusterPort} that a task thread can be interrupted out of. */
public final class Calls {
    /** Attempts of an idempotent request (chunk reads and writes, HasBlob, SealBlob, reports on one token). */
    public static final int ATTEMPTS = 5;

    private static final long BACKOFF_BASE_MS = 100;
    private static final long BACKOFF_MAX_MS = 2_000;

    private Calls() {}

    /**
     * Sends and waits at most {@code timeoutMs} for the answer.
     *
     * @return the answer, maybe an {@link Response.ErrorReply}
     * @throws CorralException UNAVAILABLE or TIMEOUT when the outcome is unknown
     */
    public static Response await(ClusterPort port, Request request, long timeoutMs) throws InterruptedException {
        CompletableFuture<Response> future = port.send(request);
        try {
            return future.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (TimeoutException e) {
            future.cancel(false);
            throw new CorralException(ErrorCode.TIMEOUT, name(request) + " got no answer within " + timeoutMs + " ms");
        } catch (InterruptedException e) {
            future.cancel(false);
            throw e;
        }
    }

    /** {@link #await}, retried with backoff while the outcome is unknown or the cluster says "retry"; idempotent only. */
    public static Response retrying(ClusterPort port, Request request, long timeoutMs) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                Response answer = await(port, request, timeoutMs);
                if (!(answer instanceof Response.ErrorReply e) || !retryable(e) || attempt >= ATTEMPTS) {
                    return answer;
                }
            } catch (CorralException e) {
                if (!e.code().retryable() || attempt >= ATTEMPTS) {
                    throw e;
                }
            }
            TimeUnit.MILLISECONDS.sleep(backoffMs(attempt, BACKOFF_BASE_MS, BACKOFF_MAX_MS));
        }
    }

    /** The answer as {@code expected}, or a {@link CorralException} with the coordinator's code. */
    public static <R extends Response> R expect(Request request, Response answer, Class<R> expected) {
        return CorralClient.expect(request, answer, expected);
    }

    /**
     * Exponential backoff with equal jitter: half the step fixed (a retry is never immediate), half random (workers
     * that failed together, at a leader crash, do not come back together).
     */
    public static long backoffMs(int retry, long baseMs, long maxMs) {
        return Backoff.delayMs(retry, baseMs, maxMs);
    }

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

    private static boolean retryable(Response.ErrorReply e) {
        return e.code() != null && e.code().retryable();
    }

    static String name(Object message) {
        return message.getClass().getSimpleName();
    }
}
