package io.corral.coordinator.raft;

import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreLimits;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Group commit: the writes that arrive while this member's earlier ones are still in flight leave together, as one
 * {@link Command.Batch} entry, so that Raft's cost per entry (the leader's log append and its fsync, an append to each
 * follower and its fsync, the apply pipeline) is paid once for all of them. A write that finds nothing in flight
 * leaves at once on its own, exactly as it would without batching: batching adds no wait, it only gathers what is
 * waiting anyway.
 *
 * <p>Only commands that may share an entry ({@link Command.Batch#batchable}) are gathered; every other command is
 * sent on its own at once. Each write keeps its own answer (the batch's reply holds one per command) and its own
 * deadline: a batch is retried until the earliest deadline of its writes, and a write whose deadline passed while it
 * waited to leave is refused without being sent.
 */
final class WriteBatcher implements AutoCloseable {
    /** Commands in one entry at most: bounds the work of one apply (the core allows more). */
    static final int MAX_COMMANDS_PER_ENTRY = 256;
    /** JSON bytes of the commands of one entry at most: well inside Raft's message and log-entry limits. */
    static final int MAX_ENTRY_BYTES = 256 * 1024;
    /**
     * Tasks the grants of one entry may ask for at most ({@link Command.LeaseTasks#maxTasks} summed): no more than one
     * grant alone may, so that grants gathered from many workers keep an apply's work bounded as bytes do for
     * submissions.
     */
    static final int MAX_GRANTS_PER_ENTRY = CoreLimits.MAX_TASKS_PER_LEASE;
    /**
     * Batches in flight at once, per member. One: whatever arrives while a batch is in flight gathers into the next.
     * Measured against two (submit, 16 clients, alternating): fewer entries, less CPU per job and more jobs a second
     * (docs/benchmarks.md); the leader still has one batch of each member in flight at once.
     */
    static final int MAX_BATCHES_IN_FLIGHT = 1;

    /** Where writes go: {@link RaftWriter}. */
    interface Writes {
        CompletableFuture<Response> submit(Message message);

        <T> CompletableFuture<T> submit(Message message, long deadlineMs, RaftWriter.Answers<T> answers);
    }

    /** How many entries this member proposed through the batcher, and how many commands they held. */
    record Stats(long entries, long commands) {}

    private final Writes writes;
    private final LongSupplier monotonicMs;
    private final long requestTimeoutMs;

    private final Object lock = new Object();
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    private int inFlight;
    private boolean closed;

    private final AtomicLong entries = new AtomicLong();
    private final AtomicLong commands = new AtomicLong();

    /** Sends the next batch when one in flight is answered, never on the thread that answered it (Ratis' own). */
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "raft-write-batcher");
        t.setDaemon(true);
        return t;
    });

    WriteBatcher(Writes writes, LongSupplier monotonicMs, long requestTimeoutMs) {
        this.writes = writes;
        this.monotonicMs = monotonicMs;
        this.requestTimeoutMs = requestTimeoutMs;
    }

    /** One write waiting to leave: its command's JSON, the tasks it may grant, its deadline, its caller. */
    private record Queued(byte[] json, int grants, long deadlineMs, CompletableFuture<Response> answer) {}

    /** Commits {@code command}, alone or with others; answers as {@link RaftWriter#submit(Message)} does. */
    CompletableFuture<Response> submit(Command command) {
        if (!Command.Batch.batchable(command)) {
            entries.incrementAndGet();
            commands.incrementAndGet();
            return writes.submit(RaftMessages.command(command));
        }
        Queued q = new Queued(
                RaftMessages.commandJson(command),
                command instanceof Command.LeaseTasks lease ? lease.maxTasks() : 0,
                monotonicMs.getAsLong() + requestTimeoutMs,
                new CompletableFuture<>());
        boolean accepted;
        synchronized (lock) {
            accepted = !closed;
            if (accepted) {
                queue.add(q);
            }
        }
        if (!accepted) {
            q.answer().complete(RaftNode.unavailable("this coordinator is stopping"));
            return q.answer();
        }
        sendWhatWaits();
        return q.answer();
    }

    public Stats stats() {
        return new Stats(entries.get(), commands.get());
    }

    /** Sends batches of what waits while fewer than {@link #MAX_BATCHES_IN_FLIGHT} are in flight. */
    private void sendWhatWaits() {
        while (true) {
            List<Queued> batch;
            synchronized (lock) {
                if (closed || inFlight >= MAX_BATCHES_IN_FLIGHT || queue.isEmpty()) {
                    return;
                }
                batch = takeBatch();
                if (batch.isEmpty()) {
                    continue;
                }
                inFlight++;
            }
            sendOrFail(batch).whenComplete((r, e) -> {
                synchronized (lock) {
                    inFlight--;
                }
                try {
                    sender.execute(this::sendWhatWaits);
                } catch (RejectedExecutionException stopped) {
                    // Closed: close() answered whatever still waited.
                }
            });
        }
    }

    /** The writes that leave next, oldest first; the ones whose deadline passed are refused here. Holds the lock. */
    private List<Queued> takeBatch() {
        List<Queued> batch = new ArrayList<>();
        long now = monotonicMs.getAsLong();
        int bytes = 0;
        int grants = 0;
        while (!queue.isEmpty() && batch.size() < MAX_COMMANDS_PER_ENTRY) {
            Queued next = queue.peek();
            if (!batch.isEmpty()
                    && (bytes + next.json().length > MAX_ENTRY_BYTES
                            || grants + next.grants() > MAX_GRANTS_PER_ENTRY)) {
                break;
            }
            queue.poll();
            if (now >= next.deadlineMs()) {
                next.answer()
                        .complete(new Response.ErrorReply(
                                ErrorCode.UNAVAILABLE,
                                "the write waited " + requestTimeoutMs + " ms behind this coordinator's earlier writes"
                                        + " and was not sent; it was not applied"));
                continue;
            }
            batch.add(next);
            bytes += next.json().length;
            grants += next.grants();
        }
        return batch;
    }

    /** Sends {@code batch}; should that throw (a bug), its writes hear so instead of waiting for ever. */
    private CompletableFuture<?> sendOrFail(List<Queued> batch) {
        try {
            return send(batch);
        } catch (RuntimeException e) {
            batch.forEach(q -> q.answer().complete(failure(e)));
            return CompletableFuture.completedFuture(null);
        }
    }

    private CompletableFuture<?> send(List<Queued> batch) {
        entries.incrementAndGet();
        commands.addAndGet(batch.size());
        if (batch.size() == 1) {
            Queued q = batch.get(0);
            // Alone: the plain command, as without batching.
            return writes.submit(RaftMessages.commandOfJson(q.json()), q.deadlineMs(), RaftWriter.ONE_REPLY)
                    .whenComplete((reply, e) -> q.answer().complete(reply != null ? reply : failure(e)));
        }
        List<byte[]> jsons = new ArrayList<>(batch.size());
        long deadlineMs = Long.MAX_VALUE;
        for (Queued q : batch) {
            jsons.add(q.json());
            deadlineMs = Math.min(deadlineMs, q.deadlineMs());
        }
        return writes.submit(RaftMessages.batchOfJsons(jsons), deadlineMs, new BatchAnswers(batch.size()))
                .whenComplete((replies, e) -> {
                    for (int i = 0; i < batch.size(); i++) {
                        batch.get(i).answer().complete(replies != null ? replies.get(i) : failure(e));
                    }
                });
    }

    private static Response failure(Throwable e) {
        return new Response.ErrorReply(ErrorCode.INTERNAL, "the write failed: " + e);
    }

    /** A batch's answer: one reply per command, or the batch's failure for each. */
    private record BatchAnswers(int size) implements RaftWriter.Answers<List<Response>> {
        @Override
        public List<Response> committed(ByteString reply) {
            List<Response> replies = RaftMessages.replies(reply);
            if (replies.size() != size) {
                throw new IllegalStateException(
                        "a batch of " + size + " commands was answered with " + replies.size() + " replies");
            }
            return replies;
        }

        @Override
        public List<Response> failed(Response.ErrorReply error) {
            List<Response> all = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                all.add(error);
            }
            return all;
        }
    }

    /** Refuses what still waits; batches in flight are answered by the writer as it closes. */
    @Override
    public void close() {
        List<Queued> left;
        synchronized (lock) {
            closed = true;
            left = new ArrayList<>(queue);
            queue.clear();
        }
        sender.shutdownNow();
        left.forEach(q -> q.answer().complete(RaftNode.unavailable("this coordinator is stopping")));
    }
}
