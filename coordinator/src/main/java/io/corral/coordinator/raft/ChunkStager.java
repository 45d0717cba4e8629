package io.corral.coordinator.raft;

import io.corral.coordinator.store.RocksStore.StagedChunk;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * Stages the chunk bytes that arrive with log entries, durably, before Ratis counts each entry as written: on one
 * thread of its own, in log order, every chunk waiting when the thread comes round in one synced write.
 *
 * <p>Why a thread of its own: Ratis calls the state machine's data write inside its log's sequential section, and
 * waits for the returned future before the entry is written. {@code CompletableFuture.runAsync} without an executor,
 * which this replaced, starts a new thread per task when the JVM's common pool has fewer than two threads, that is on
 * any machine with two cores or fewer: a follower catching up after a partition started one thread per entry, 1,459
 * for one append, from inside that section. In the fault run where that was seen, the member then refused every later
 * append for good ({@code Already running a method by n3-server-thread6}; with Ratis' composed append, see {@link
 * RaftNode#appendInline}) and never caught up (docs/jepsen.md, "Status"). Why batches: each write is fsynced, and the
 * chunks of one append arrive together; one fsync for all that are waiting costs what one did.
 */
final class ChunkStager implements AutoCloseable {
    /** A batch stops growing once it holds this many bytes (one chunk may take it past). */
    static final long MAX_BATCH_BYTES = 64L << 20;

    private record Pending(StagedChunk chunk, CompletableFuture<Void> done) {}

    private final Consumer<List<StagedChunk>> sink;
    private final long maxBatchBytes;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    /** @param sink writes a batch durably (one fsync), or throws */
    ChunkStager(Consumer<List<StagedChunk>> sink) {
        this(sink, MAX_BATCH_BYTES);
    }

    ChunkStager(Consumer<List<StagedChunk>> sink, long maxBatchBytes) {
        this.sink = sink;
        this.maxBatchBytes = maxBatchBytes;
        this.thread = new Thread(this::run, "chunk-stager");
        thread.setDaemon(true);
        thread.start();
    }

    /** Completes once the bytes of entry {@code index} are durable, or fails with the write's error. */
    CompletableFuture<Void> stage(long index, byte[] data) {
        Pending p = new Pending(new StagedChunk(index, data), new CompletableFuture<>());
        if (closed) {
            p.done().completeExceptionally(stopped());
            return p.done();
        }
        queue.add(p);
        if (closed) {
            // Closed while this was queued: the thread may be gone already, so nobody else would answer it.
            failWaiting();
        }
        return p.done();
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        while (!closed) {
            try {
                Pending first = queue.take();
                batch.add(first);
                long bytes = first.chunk().data().length;
                Pending next;
                while (bytes < maxBatchBytes && (next = queue.poll()) != null) {
                    batch.add(next);
                    bytes += next.chunk().data().length;
                }
                write(batch);
            } catch (InterruptedException e) {
                break;
            } finally {
                batch.clear();
            }
        }
        failWaiting();
    }

    private void write(List<Pending> batch) {
        try {
            sink.accept(batch.stream().map(Pending::chunk).toList());
        } catch (RuntimeException e) {
            batch.forEach(p -> p.done().completeExceptionally(e));
            return;
        } catch (Error e) {
            // The thread ends: answer everything now, so that no entry waits for a staging that will never come.
            closed = true;
            batch.forEach(p -> p.done().completeExceptionally(e));
            failWaiting();
            throw e;
        }
        batch.forEach(p -> p.done().complete(null));
    }

    private void failWaiting() {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.done().completeExceptionally(stopped());
        }
    }

    private static IOException stopped() {
        return new IOException("the state machine is closed: chunk bytes not staged");
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        failWaiting();
    }
}
