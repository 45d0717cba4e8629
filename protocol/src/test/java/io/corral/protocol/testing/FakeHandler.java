package io.corral.protocol.testing;

import io.corral.client.CorralException;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.transport.RpcHandler;
import io.corral.protocol.transport.Session;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A handler with scripted behaviour, chosen by the job id of a {@link Request.GetJob}: "boom" throws, "kaput"
 * fails its future, "missing" fails with a typed error, "hold" waits until the test completes it, "push" pushes a
 * message first, "flaky" is OVERLOADED for the first {@link #flakyFailures} calls, "big" answers with a 4 KiB id.
 * Any other id is echoed in a {@link Response.JobSubmitted}. A {@link Request.GetMembership} is answered with
 * {@link #membership} when it is set.
 */
public final class FakeHandler implements RpcHandler {
    public final BlockingQueue<CompletableFuture<Response>> held = new LinkedBlockingQueue<>();
    public final BlockingQueue<Session> sessions = new LinkedBlockingQueue<>();
    public final BlockingQueue<Session> closed = new LinkedBlockingQueue<>();
    public final AtomicInteger calls = new AtomicInteger();
    public volatile int flakyFailures = 2;
    public volatile String lastThreadName;
    public volatile Response.Membership membership;
    public final AtomicInteger membershipAsked = new AtomicInteger();

    @Override
    public CompletableFuture<Response> handle(Request request, Session session) {
        calls.incrementAndGet();
        lastThreadName = Thread.currentThread().getName();
        sessions.add(session);
        if (request instanceof Request.GetMembership) {
            membershipAsked.incrementAndGet();
            if (membership != null) {
                return CompletableFuture.completedFuture(membership);
            }
        }
        if (!(request instanceof Request.GetJob get)) {
            return CompletableFuture.completedFuture(new Response.Ack());
        }
        switch (get.jobId()) {
            case "boom":
                throw new IllegalStateException("boom");
            case "kaput":
                return CompletableFuture.failedFuture(new IllegalArgumentException("kaput"));
            case "missing":
                return CompletableFuture.failedFuture(new CorralException(ErrorCode.NOT_FOUND, "no job missing"));
            case "hold":
                CompletableFuture<Response> answer = new CompletableFuture<>();
                held.add(answer);
                return answer;
            case "push":
                session.push(new Response.LeaderTransferred("pushed"));
                return CompletableFuture.completedFuture(new Response.Ack());
            case "flaky":
                if (flakyFailures > 0) {
                    flakyFailures--;
                    return CompletableFuture.completedFuture(
                            new Response.ErrorReply(ErrorCode.OVERLOADED, "busy, try again"));
                }
                return CompletableFuture.completedFuture(new Response.JobSubmitted("flaky", false));
            case "big":
                return CompletableFuture.completedFuture(new Response.JobSubmitted("x".repeat(4096), false));
            default:
                return CompletableFuture.completedFuture(new Response.JobSubmitted(get.jobId(), false));
        }
    }

    @Override
    public void onClose(Session session) {
        closed.add(session);
    }
}
