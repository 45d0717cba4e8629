package io.corral.coordinator.raft;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.Response;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.ReadException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;

/** Maps Ratis failures to wire error codes with messages an operator can act on. */
final class RaftErrors {
    private RaftErrors() {}

    static Response.ErrorReply toErrorReply(Throwable error) {
        Throwable e = error;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof NotLeaderException || e instanceof LeaderNotReadyException) {
            return new Response.ErrorReply(ErrorCode.UNAVAILABLE, "no leader is ready yet; retry shortly");
        }
        if (e instanceof RaftRetryFailureException) {
            return new Response.ErrorReply(
                    ErrorCode.UNAVAILABLE, "the cluster has no leader or no quorum reachable from this coordinator");
        }
        if (e instanceof TimeoutIOException || e instanceof TimeoutException || e instanceof ReadException) {
            return new Response.ErrorReply(
                    ErrorCode.TIMEOUT,
                    "the request did not complete in time (no quorum?); its outcome is unknown: " + e.getMessage());
        }
        if (e instanceof StateMachineException) {
            return new Response.ErrorReply(ErrorCode.INTERNAL, "state machine error: " + e.getMessage());
        }
        return new Response.ErrorReply(ErrorCode.UNAVAILABLE, "raft error: " + e);
    }
}
