package io.corral.jepsen.workload;

import io.corral.client.CorralException;
import io.corral.jepsen.history.OpType;
import java.util.concurrent.CompletionException;

/** How a client error ends an operation in the history: FAIL only when the cluster certainly did not apply it. */
final class Outcomes {
    private Outcomes() {}

    /**
     * A non-retryable error code is a refusal decided before anything was applied (bad input, a held lock, a stale
     * token...): FAIL. Anything else — unavailable, timeout, overloaded, a lost connection, an unexpected exception —
     * may or may not have taken effect: INFO.
     */
    static OpType of(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof CorralException c && !c.code().retryable()) {
            return OpType.FAIL;
        }
        return OpType.INFO;
    }

    static String describe(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return e instanceof CorralException c ? c.code() + ": " + c.getMessage() : e.toString();
    }
}
