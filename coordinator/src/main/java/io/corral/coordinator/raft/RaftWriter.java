package io.corral.coordinator.raft;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.Response;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's write path: commits a command through whoever leads, and heals itself after any fault.
 *
 * <p>Why not a Ratis {@code RaftClient}: its ordered async API ({@code client.async().send}) keeps one sliding window
 * per client for all writes to the group. When one request ends without a reply (its retry policy gives up, here
 * when {@code raft.requestTimeoutMs} has passed, or it fails with a non-I/O error), Ratis 3.3's {@code OrderedAsync}
 * calls {@code SlidingWindow.Client.fail}, which records the error in the window for good: every later request on
 * that client fails at once with {@code AlreadyClosedException: SlidingWindow$Client:client-…->RAFT is closed}, and
 * nothing ever reopens it. The window exists to apply one client's writes in order, so it cannot go on after a
 * request it may have lost. A partition longer than the request timeout was enough: from then on that member refused
 * every client write, every worker report and every one of its own leader decisions (lease and lock expiry, garbage
 * collection) until it was restarted, while it still answered reads and stayed in the cluster (issue 10;
 * docs/jepsen.md). Corral needs no such order: each command is checked against the state when it is applied, and
 * callers that depend on an earlier write wait for its answer first.
 *
 * <p>So each write is a request of its own, with one Raft request id (this writer's client id and a call id) for all
 * its attempts: on the leader it is submitted to the local server in-process (no client, no network); elsewhere it
 * goes to the leader this member knows, over the gRPC client protocol's unordered stream. Attempts are retried until
 * one is answered or {@code requestTimeoutMs} has passed; a resend with the same id is answered from the leader's
 * retry cache, or, after a change of leader or a restart, from the replicated request log, so no attempt applies a
 * command twice. A stream that failed is replaced ({@link #replaceStreamAfter}), since Ratis' gRPC client closes a
 * stream for good on an error or on a not-leader answer; the old one is closed on a thread of its own, so that neither
 * the next attempt nor the thread that reported the failure waits for it.
 */
final class RaftWriter implements AutoCloseable, WriteBatcher.Writes {
    private static final Logger LOG = LoggerFactory.getLogger(RaftWriter.class);

    /** Pause before the next attempt while no leader is known, or the leader is not ready or did not answer. */
    static final long RETRY_PAUSE_MS = 100;

    /** Who leads, as this member sees it now. */
    interface Leadership {
        /** True when this member leads (ready or not: the local server answers if it is not ready yet). */
        boolean selfLeads();

        /** The leader this member hears from, or null while it knows none. */
        RaftPeer knownLeader();
    }

    /**
     * @param requestTimeoutMs how long a write is retried before its caller is told it failed
     * @param attemptTimeoutMs how long one attempt waits for its answer
     * @param probeIntervalMs while writes fail, how often a {@code Probe} is committed to learn whether they can again
     */
    record Timing(long requestTimeoutMs, long attemptTimeoutMs, long probeIntervalMs) {}

    private final RaftServer server;
    private final RaftGroupId groupId;
    private final RaftPeerId selfId;
    private final Leadership leadership;
    private final ClientId clientId;
    private final RaftClientRpc rpc;
    private final long requestTimeoutMs;
    private final long attemptTimeoutMs;
    private final LongSupplier monotonicMs;
    private final WriteOutcomes outcomes;
    private final Message probe;
    /** {@code TestFault.STICKY_WRITE_FAILURE}: after one failed write, fail every later one (a deliberate bug). */
    private final boolean stickyFailure;

    private volatile boolean stuck;
    private volatile boolean probing;

    private final AtomicLong callIds = new AtomicLong();
    /** Per target, how many times its stream was replaced; an attempt replaces only the stream it was sent on. */
    private final Map<RaftPeerId, AtomicLong> streamGenerations = new ConcurrentHashMap<>();

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "raft-writer");
        t.setDaemon(true);
        return t;
    });
    /**
     * Where failed streams are replaced: closing a gRPC channel waits for its streams (Ratis: up to 3 s, then up to 2 s
     * more), and the failure is reported on one of Ratis' shared timer threads or a gRPC thread, which must not wait.
     */
    private final ExecutorService streamResets = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "raft-writer-stream-reset");
        t.setDaemon(true);
        return t;
    });
    /** Writes not answered yet: {@link #close()} answers them, since their scheduled attempts are dropped. */
    private final Set<Write<?>> pending = ConcurrentHashMap.newKeySet();

    private volatile boolean closed;

    RaftWriter(
            RaftServer server,
            RaftGroupId groupId,
            RaftPeerId selfId,
            Leadership leadership,
            ClientId clientId,
            RaftClientRpc rpc,
            Timing timing,
            LongSupplier monotonicMs,
            WriteOutcomes outcomes,
            Message probe,
            boolean stickyFailure) {
        this.server = server;
        this.groupId = groupId;
        this.selfId = selfId;
        this.leadership = leadership;
        this.clientId = clientId;
        this.rpc = rpc;
        this.requestTimeoutMs = timing.requestTimeoutMs();
        this.attemptTimeoutMs = timing.attemptTimeoutMs();
        this.monotonicMs = monotonicMs;
        this.outcomes = outcomes;
        this.probe = probe;
        this.stickyFailure = stickyFailure;
        // Deadlines are cancelled when their write is answered, which is nearly always: drop them from the queue.
        timer.setRemoveOnCancelPolicy(true);
        timer.scheduleWithFixedDelay(
                this::probeIfStalled, timing.probeIntervalMs(), timing.probeIntervalMs(), TimeUnit.MILLISECONDS);
    }

    /**
     * While the last write failed and none committed since, commits a {@code Probe} (one at a time), so that the
     * health of an idle member follows its write path: it recovers with the first probe that commits, and stays
     * unhealthy while they fail with a leader in sight.
     */
    private void probeIfStalled() {
        if (!probing && outcomes.stalled() && !closed) {
            probing = true;
            submit(probe).whenComplete((r, e) -> probing = false);
        }
    }

    /** How a write's answer reaches its caller: the state machine's reply, or why there was none. */
    interface Answers<T> {
        /** The state machine's reply to a committed write (it may still be a refusal, such as LOCK_HELD). */
        T committed(ByteString reply);

        /** The write failed, or its outcome is unknown (it timed out): {@code error} says which. */
        T failed(Response.ErrorReply error);
    }

    /** A command's answer: its reply, decoded. */
    static final Answers<Response> ONE_REPLY = new Answers<>() {
        @Override
        public Response committed(ByteString reply) {
            return RaftMessages.reply(reply);
        }

        @Override
        public Response failed(Response.ErrorReply error) {
            return error;
        }
    };

    /**
     * Commits {@code message}; completes with the state machine's answer, or with an error reply once {@code
     * requestTimeoutMs} has passed without one (the outcome is then unknown: an attempt may still be applied).
     */
    @Override
    public CompletableFuture<Response> submit(Message message) {
        return submit(message, monotonicMs.getAsLong() + requestTimeoutMs, ONE_REPLY);
    }

    /**
     * Commits {@code message} as {@link #submit(Message)} does, retried until {@code deadlineMs} (this writer's
     * monotonic clock) at the latest, and answers through {@code answers}.
     */
    @Override
    public <T> CompletableFuture<T> submit(Message message, long deadlineMs, Answers<T> answers) {
        Write<T> w = new Write<>(message, callIds.incrementAndGet(), deadlineMs, answers);
        pending.add(w);
        if (stuck) {
            finish(
                    w,
                    RaftNode.unavailable(
                            "raft error: this member's write path is closed (test fault " + "sticky-write-failure)"));
            return w.result;
        }
        if (closed) {
            finish(w, RaftNode.unavailable("this coordinator is stopping"));
            return w.result;
        }
        try {
            // The caller's bound holds even while an attempt is still waiting for its own timeout.
            long leftMs = Math.max(0, deadlineMs - monotonicMs.getAsLong());
            ScheduledFuture<?> deadline = timer.schedule(() -> finish(w, timedOut(w)), leftMs, TimeUnit.MILLISECONDS);
            w.result.whenComplete((r, e) -> deadline.cancel(false));
        } catch (RejectedExecutionException e) {
            finish(w, RaftNode.unavailable("this coordinator is stopping"));
            return w.result;
        }
        attempt(w);
        return w.result;
    }

    /** One write: its request id, its deadline, what its last attempt learned. */
    private static final class Write<T> {
        final Message message;
        final long callId;
        final long deadlineMs;
        final Answers<T> answers;
        final CompletableFuture<T> result = new CompletableFuture<>();
        final AtomicBoolean finished = new AtomicBoolean();
        /** The leader named by the last not-leader answer, tried when this member knows none itself. */
        volatile RaftPeer suggested;

        volatile Throwable lastError;

        Write(Message message, long callId, long deadlineMs, Answers<T> answers) {
            this.message = message;
            this.callId = callId;
            this.deadlineMs = deadlineMs;
            this.answers = answers;
        }
    }

    private void attempt(Write<?> w) {
        if (w.result.isDone()) {
            return;
        }
        if (closed) {
            finish(w, RaftNode.unavailable("this coordinator is stopping"));
            return;
        }
        if (monotonicMs.getAsLong() >= w.deadlineMs) {
            finish(w, timedOut(w));
            return;
        }
        if (leadership.selfLeads()) {
            sendLocal(w);
            return;
        }
        RaftPeer target = leadership.knownLeader();
        if (target == null) {
            target = w.suggested;
        }
        if (target == null || target.getId().equals(selfId)) {
            w.lastError = new NotLeaderException(RaftGroupMemberId.valueOf(selfId, groupId), null, null);
            retryLater(w);
        } else {
            sendRemote(w, target);
        }
    }

    private RaftClientRequest request(Write<?> w, RaftPeerId target) {
        return RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(target)
                .setGroupId(groupId)
                .setCallId(w.callId)
                .setMessage(w.message)
                .setType(RaftClientRequest.writeRequestType())
                .setTimeoutMs(attemptTimeoutMs)
                .build();
    }

    private void sendLocal(Write<?> w) {
        CompletableFuture<RaftClientReply> f;
        try {
            f = server.submitClientRequestAsync(request(w, selfId));
        } catch (IOException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.orTimeout(attemptTimeoutMs, TimeUnit.MILLISECONDS).whenComplete((reply, error) -> answered(w, reply, error));
    }

    private void sendRemote(Write<?> w, RaftPeer target) {
        RaftPeerId id = target.getId();
        long generation = streamGeneration(id).get();
        CompletableFuture<RaftClientReply> f;
        try {
            // A peer added to the configuration after this writer started: the client learns its address here.
            rpc.addRaftPeers(List.of(target));
            f = rpc.sendRequestAsyncUnordered(request(w, id));
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((reply, error) -> {
            Throwable failure = error != null ? error : reply.isSuccess() ? null : reply.getException();
            if (failure != null && !(unwrap(failure) instanceof StateMachineException)) {
                replaceStreamAfter(id, generation, failure);
            }
            answered(w, reply, error);
        });
    }

    /**
     * Ratis' gRPC client ends a target's stream on the first error or not-leader answer, and from then on fails every
     * request sent on it ({@code AlreadyClosedException}) until the connection is reset. The first attempt that sees
     * the failure resets it; attempts that were in flight on the same stream fail with it and must not reset the new
     * one in turn (they would close each other's streams in a loop), hence the generation.
     */
    private void replaceStreamAfter(RaftPeerId target, long generation, Throwable failure) {
        if (streamGeneration(target).compareAndSet(generation, generation + 1)) {
            LOG.debug("replacing the client stream to {} after {}", target, failure.toString());
            try {
                // Ratis drops the old stream from its map before it closes it: an attempt sent meanwhile may still meet
                // the old one, fail at once, and replace the new one in turn, which costs a connection, not a write.
                streamResets.execute(() -> rpc.handleException(target, failure, true));
            } catch (RejectedExecutionException e) {
                LOG.debug("not replacing the client stream to {}: the writer is closed", target);
            }
        }
    }

    private AtomicLong streamGeneration(RaftPeerId target) {
        return streamGenerations.computeIfAbsent(target, t -> new AtomicLong());
    }

    private void answered(Write<?> w, RaftClientReply reply, Throwable error) {
        Throwable failure = error != null ? error : reply.isSuccess() ? null : reply.getException();
        if (failure == null) {
            // Committed and applied; the state machine's answer may still be a refusal (LOCK_HELD, STALE_LEASE...).
            finishCommitted(w, reply);
            return;
        }
        Throwable cause = unwrap(failure);
        if (cause instanceof StateMachineException) {
            // The command reached the state machine and it refused: a bug, never made right by a retry.
            finish(w, RaftErrors.toErrorReply(cause));
            return;
        }
        w.lastError = cause;
        if (cause instanceof NotLeaderException nle && nle.getSuggestedLeader() != null) {
            boolean news = w.suggested == null
                    || !w.suggested.getId().equals(nle.getSuggestedLeader().getId());
            w.suggested = nle.getSuggestedLeader();
            if (news) {
                try {
                    timer.execute(() -> attempt(w));
                } catch (RejectedExecutionException e) {
                    finish(w, RaftNode.unavailable("this coordinator is stopping"));
                }
                return;
            }
        }
        retryLater(w);
    }

    private void retryLater(Write<?> w) {
        long leftMs = w.deadlineMs - monotonicMs.getAsLong();
        if (leftMs <= 0) {
            finish(w, timedOut(w));
            return;
        }
        try {
            timer.schedule(() -> attempt(w), Math.min(RETRY_PAUSE_MS, leftMs), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            finish(w, RaftNode.unavailable("this coordinator is stopping"));
        }
    }

    /** What the caller is told when no attempt was answered in time: the last attempt's failure, or a timeout. */
    private Response.ErrorReply timedOut(Write<?> w) {
        Throwable last = w.lastError;
        if (last == null) {
            return new Response.ErrorReply(
                    ErrorCode.TIMEOUT,
                    "the write was not committed within " + requestTimeoutMs + " ms; its outcome is unknown");
        }
        return RaftErrors.toErrorReply(last);
    }

    /**
     * Answers the caller once that the write failed or that its outcome is unknown. The outcome is recorded before the
     * caller hears it, so whoever reads this member's health after an answer sees it.
     */
    private <T> void finish(Write<T> w, Response.ErrorReply error) {
        if (w.finished.compareAndSet(false, true)) {
            pending.remove(w);
            stuck |= stickyFailure;
            outcomes.record(monotonicMs.getAsLong(), false, error);
            w.result.complete(w.answers.failed(error));
        }
    }

    /** Answers a committed write with the state machine's reply (which may still be a refusal); recorded first too. */
    private <T> void finishCommitted(Write<T> w, RaftClientReply reply) {
        if (w.finished.compareAndSet(false, true)) {
            pending.remove(w);
            outcomes.record(monotonicMs.getAsLong(), true, null);
            T answer;
            try {
                answer = w.answers.committed(reply.getMessage().getContent());
            } catch (RuntimeException e) {
                LOG.error("an answer of this member's state machine does not decode", e);
                answer = w.answers.failed(
                        new Response.ErrorReply(ErrorCode.INTERNAL, "the answer does not decode: " + e.getMessage()));
            }
            w.result.complete(answer);
        }
    }

    private static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        streamResets.shutdownNow();
        for (Write<?> w : pending) {
            finish(w, RaftNode.unavailable("this coordinator is stopping"));
        }
        try {
            rpc.close();
        } catch (IOException e) {
            LOG.debug("closing the write path's client: {}", e.toString());
        }
    }
}
