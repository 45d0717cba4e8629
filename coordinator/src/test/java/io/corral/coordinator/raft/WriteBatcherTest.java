package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.coordinator.state.Command;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Response;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Group commit: what waits behind writes in flight leaves together, and every write keeps its own answer. */
class WriteBatcherTest {
    private static final long TIMEOUT_MS = 10_000;

    /** A write the batcher handed on, answered by the test. */
    private record Sent(
            Command command, long deadlineMs, RaftWriter.Answers<?> answers, CompletableFuture<Object> done) {
        @SuppressWarnings("unchecked")
        <T> void commit(ByteString reply) {
            done.complete(((RaftWriter.Answers<T>) answers).committed(reply));
        }

        @SuppressWarnings("unchecked")
        <T> void fail(Response.ErrorReply error) {
            done.complete(((RaftWriter.Answers<T>) answers).failed(error));
        }

        /** Answers each command with a probe's Ack, or a batch with one per command. */
        void commitAll() {
            if (command instanceof Command.Batch b) {
                commit(ByteString.copyFrom(RaftMessages.repliesBytes(b.commands().stream()
                        .map(c -> (Response) new Response.JobSubmitted(((Command.CancelJob) c).jobId(), true))
                        .toList())));
            } else {
                commit(RaftMessages.reply(new Response.JobSubmitted(((Command.CancelJob) command).jobId(), true))
                        .getContent());
            }
        }

        int size() {
            return command instanceof Command.Batch b ? b.commands().size() : 1;
        }
    }

    private final AtomicLong nowMs = new AtomicLong(1_000);
    private final List<Sent> sent = new CopyOnWriteArrayList<>();

    private final WriteBatcher.Writes writes = new WriteBatcher.Writes() {
        @Override
        public CompletableFuture<Response> submit(Message message) {
            return submit(message, nowMs.get() + TIMEOUT_MS, RaftWriter.ONE_REPLY);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> CompletableFuture<T> submit(Message message, long deadlineMs, RaftWriter.Answers<T> answers) {
            Command command = RaftMessages.split(message.getContent()).command();
            Sent s = new Sent(command, deadlineMs, answers, new CompletableFuture<>());
            sent.add(s);
            return (CompletableFuture<T>) s.done();
        }
    };

    private final WriteBatcher batcher = new WriteBatcher(writes, nowMs::get, TIMEOUT_MS);

    @AfterEach
    void close() {
        batcher.close();
    }

    private static Command cancel(int i) {
        return new Command.CancelJob("job-" + i);
    }

    private static Response answer(int i) {
        return new Response.JobSubmitted("job-" + i, true);
    }

    /** With nothing in flight a write leaves at once, alone and as the plain command: batching adds no wait. */
    @Test
    void aWriteWithNothingInFlightLeavesAtOnceAlone() {
        CompletableFuture<Response> r = batcher.submit(cancel(1));

        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).command()).isEqualTo(cancel(1));
        sent.get(0).commitAll();
        assertThat(r).isCompletedWithValue(answer(1));
    }

    /**
     * While {@link WriteBatcher#MAX_BATCHES_IN_FLIGHT} writes are in flight the next ones wait, and leave as one batch
     * when one of those is answered; each caller gets its own command's reply.
     */
    @Test
    void writesThatWaitBehindOnesInFlightLeaveTogether() {
        List<CompletableFuture<Response>> answers = new ArrayList<>();
        for (int i = 0; i < WriteBatcher.MAX_BATCHES_IN_FLIGHT + 5; i++) {
            answers.add(batcher.submit(cancel(i)));
        }
        assertThat(sent).hasSize(WriteBatcher.MAX_BATCHES_IN_FLIGHT);

        sent.get(0).commitAll();

        await().until(() -> sent.size() == WriteBatcher.MAX_BATCHES_IN_FLIGHT + 1);
        Sent batch = sent.get(WriteBatcher.MAX_BATCHES_IN_FLIGHT);
        assertThat(batch.command()).isInstanceOf(Command.Batch.class);
        int first = WriteBatcher.MAX_BATCHES_IN_FLIGHT;
        assertThat(((Command.Batch) batch.command()).commands())
                .containsExactly(
                        cancel(first), cancel(first + 1), cancel(first + 2), cancel(first + 3), cancel(first + 4));
        sent.forEach(Sent::commitAll);
        for (int i = 0; i < answers.size(); i++) {
            assertThat(answers.get(i).join()).isEqualTo(answer(i));
        }
        assertThat(batcher.stats())
                .isEqualTo(new WriteBatcher.Stats(WriteBatcher.MAX_BATCHES_IN_FLIGHT + 1, answers.size()));
    }

    /** A command that may not share an entry (a lock, a chunk) never waits and never joins a batch. */
    @Test
    void aCommandThatMayNotShareAnEntryLeavesAtOnceOnItsOwn() {
        for (int i = 0; i < WriteBatcher.MAX_BATCHES_IN_FLIGHT; i++) {
            batcher.submit(cancel(i));
        }
        Command lock = new Command.AcquireLock("l", "me", 30_000, 0);

        batcher.submit(lock);

        assertThat(sent).hasSize(WriteBatcher.MAX_BATCHES_IN_FLIGHT + 1);
        assertThat(sent.get(WriteBatcher.MAX_BATCHES_IN_FLIGHT).command()).isEqualTo(lock);
    }

    /**
     * Grants gathered from many workers ask for at most {@link WriteBatcher#MAX_GRANTS_PER_ENTRY} tasks in one entry,
     * as one grant alone may; the rest leave in the next entry.
     */
    @Test
    void grantsLeaveInEntriesThatAskForAtMostTheTasksOfOneGrant() {
        for (int i = 0; i < WriteBatcher.MAX_BATCHES_IN_FLIGHT; i++) {
            batcher.submit(cancel(i));
        }
        int perGrant = WriteBatcher.MAX_GRANTS_PER_ENTRY / 4;
        for (int i = 0; i < 6; i++) {
            batcher.submit(new Command.LeaseTasks("w" + i, perGrant, 30_000));
        }
        batcher.submit(cancel(99));

        sent.get(0).commitAll();
        await().until(() -> sent.size() == WriteBatcher.MAX_BATCHES_IN_FLIGHT + 1);
        Command.Batch first =
                (Command.Batch) sent.get(WriteBatcher.MAX_BATCHES_IN_FLIGHT).command();
        assertThat(first.commands()).hasSize(4).allSatisfy(c -> assertThat(c).isInstanceOf(Command.LeaseTasks.class));
    }

    /** Fills the batches in flight, queues two writes behind them, and answers the first so the two leave as one. */
    private Sent twoLeaveTogether(List<CompletableFuture<Response>> answers) {
        for (int i = 0; i < WriteBatcher.MAX_BATCHES_IN_FLIGHT; i++) {
            batcher.submit(cancel(i));
        }
        answers.add(batcher.submit(cancel(10)));
        answers.add(batcher.submit(cancel(11)));
        sent.get(0).commitAll();
        await().until(() -> sent.size() == WriteBatcher.MAX_BATCHES_IN_FLIGHT + 1);
        Sent batch = sent.get(WriteBatcher.MAX_BATCHES_IN_FLIGHT);
        assertThat(batch.size()).isEqualTo(2);
        return batch;
    }

    /** A batch that fails answers each of its writes with the failure (the outcome of each is what the batch's is). */
    @Test
    void aFailedBatchAnswersEachWriteWithItsFailure() {
        List<CompletableFuture<Response>> answers = new ArrayList<>();
        Sent batch = twoLeaveTogether(answers);
        Response.ErrorReply timeout = new Response.ErrorReply(ErrorCode.TIMEOUT, "outcome unknown");

        batch.fail(timeout);

        assertThat(answers).allSatisfy(a -> assertThat(a).isCompletedWithValue(timeout));
    }

    /**
     * A batch answered with another number of replies than it has commands is a bug: decoding it throws, which the
     * writer turns into an INTERNAL error for each write ({@code RaftWriter.finishCommitted}) instead of a wrong match.
     */
    @Test
    void aBatchAnsweredWithTheWrongNumberOfRepliesDoesNotDecode() {
        Sent batch = twoLeaveTogether(new ArrayList<>());

        assertThatThrownBy(
                        () -> batch.commit(ByteString.copyFrom(RaftMessages.repliesBytes(List.of(new Response.Ack())))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a batch of 2 commands was answered with 1 replies");
    }

    /** One entry holds at most {@link WriteBatcher#MAX_COMMANDS_PER_ENTRY} commands; the rest leave in the next. */
    @Test
    void aLongQueueLeavesInEntriesOfAtMostTheLimit() {
        for (int i = 0; i < WriteBatcher.MAX_BATCHES_IN_FLIGHT; i++) {
            batcher.submit(cancel(i));
        }
        int waiting = WriteBatcher.MAX_COMMANDS_PER_ENTRY * 2 + 3;
        List<CompletableFuture<Response>> answers = new ArrayList<>();
        for (int i = 0; i < waiting; i++) {
            answers.add(batcher.submit(cancel(100 + i)));
        }

        // Answer each write as it is sent, oldest first, until every one is answered.
        await().until(() -> {
            sent.stream().filter(x -> !x.done().isDone()).forEach(Sent::commitAll);
            return answers.stream().allMatch(CompletableFuture::isDone);
        });

        assertThat(sent.stream().skip(WriteBatcher.MAX_BATCHES_IN_FLIGHT).map(Sent::size))
                .containsExactly(WriteBatcher.MAX_COMMANDS_PER_ENTRY, WriteBatcher.MAX_COMMANDS_PER_ENTRY, 3);
        for (int i = 0; i < waiting; i++) {
            assertThat(answers.get(i).join()).isEqualTo(answer(100 + i));
        }
    }

    /** One entry holds at most {@link WriteBatcher#MAX_ENTRY_BYTES} of commands. */
    @Test
    void bigCommandsLeaveInEntriesOfAtMostTheByteLimit() {
        for (int i = 0; i < WriteBatcher.MAX_BATCHES_IN_FLIGHT; i++) {
            batcher.submit(cancel(i));
        }
        // Each about a third of the limit: two fit in an entry, a third does not.
        String big = "x".repeat(WriteBatcher.MAX_ENTRY_BYTES / 3);
        for (int i = 0; i < 3; i++) {
            batcher.submit(new Command.CancelJob(big + i));
        }

        sent.get(0).commitAll();

        await().until(() -> sent.size() == WriteBatcher.MAX_BATCHES_IN_FLIGHT + 1);
        assertThat(sent.get(WriteBatcher.MAX_BATCHES_IN_FLIGHT).size()).isEqualTo(2);
    }

    /**
     * A batch is retried until the earliest deadline of its writes; a write whose deadline passed while it waited is
     * refused without being sent (so its caller knows it was not applied).
     */
    @Test
    void deadlinesHoldWhileWritesWait() {
        for (int i = 0; i < WriteBatcher.MAX_BATCHES_IN_FLIGHT; i++) {
            batcher.submit(cancel(i));
        }
        CompletableFuture<Response> old = batcher.submit(cancel(10));
        nowMs.addAndGet(TIMEOUT_MS / 2);
        CompletableFuture<Response> newer = batcher.submit(cancel(11));
        CompletableFuture<Response> newest = batcher.submit(cancel(12));
        nowMs.addAndGet(TIMEOUT_MS / 2);

        sent.get(0).commitAll();

        await().until(() -> sent.size() == WriteBatcher.MAX_BATCHES_IN_FLIGHT + 1);
        assertThat(old.join()).isInstanceOfSatisfying(Response.ErrorReply.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.message()).contains("was not sent; it was not applied");
        });
        Sent batch = sent.get(WriteBatcher.MAX_BATCHES_IN_FLIGHT);
        assertThat(((Command.Batch) batch.command()).commands()).containsExactly(cancel(11), cancel(12));
        assertThat(batch.deadlineMs()).isEqualTo(1_000 + TIMEOUT_MS / 2 + TIMEOUT_MS);
        assertThat(newer).isNotDone();
        assertThat(newest).isNotDone();
    }

    /** Closing answers every write that still waits; none is left hanging. */
    @Test
    void closingAnswersTheWritesThatWait() {
        for (int i = 0; i < WriteBatcher.MAX_BATCHES_IN_FLIGHT; i++) {
            batcher.submit(cancel(i));
        }
        List<CompletableFuture<Response>> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiting.add(batcher.submit(cancel(10 + i)));
        }

        batcher.close();

        assertThat(waiting)
                .allSatisfy(f -> assertThat(f.join()).isEqualTo(RaftNode.unavailable("this coordinator is stopping")));
        assertThat(batcher.submit(cancel(20)).join()).isEqualTo(RaftNode.unavailable("this coordinator is stopping"));
        assertThat(Collections.frequency(sent.stream().map(Sent::size).toList(), 1))
                .isEqualTo(WriteBatcher.MAX_BATCHES_IN_FLIGHT);
    }
}
