package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.coordinator.store.RocksStore.StagedChunk;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The rules of staging chunk bytes; the sink stands for the store's synced batch write. */
class ChunkStagerTest {
    private final List<List<Long>> batches = new CopyOnWriteArrayList<>();
    private final List<String> threads = new CopyOnWriteArrayList<>();

    private Consumer<List<StagedChunk>> recording(CountDownLatch firstBatchMayEnd) {
        return chunks -> {
            threads.add(Thread.currentThread().getName());
            batches.add(chunks.stream().map(StagedChunk::index).toList());
            if (batches.size() == 1) {
                hold(firstBatchMayEnd);
            }
        };
    }

    @Test
    void chunksAreStagedOnTheStagersThreadWithoutAThreadPerChunk() throws Exception {
        try (ChunkStager stager = new ChunkStager(recording(new CountDownLatch(0)))) {
            long startedBefore = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (long i = 1; i <= 500; i++) {
                all.add(stager.stage(i, new byte[] {1}));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            long started = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount() - startedBefore;

            assertThat(threads).containsOnly("chunk-stager");
            assertThat(started).as("threads started while staging 500 chunks").isLessThan(10);
        }
    }

    @Test
    void chunksThatWaitTogetherAreStagedInOneBatchInLogOrder() throws Exception {
        CountDownLatch firstBatchMayEnd = new CountDownLatch(1);
        try (ChunkStager stager = new ChunkStager(recording(firstBatchMayEnd))) {
            CompletableFuture<Void> first = stager.stage(1, new byte[] {1});
            awaitBatches(1);
            List<CompletableFuture<Void>> waiting = new ArrayList<>();
            for (long i = 2; i <= 11; i++) {
                waiting.add(stager.stage(i, new byte[] {1}));
            }
            assertThat(waiting).noneMatch(CompletableFuture::isDone);
            firstBatchMayEnd.countDown();

            CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(first).isDone();
            assertThat(batches).containsExactly(List.of(1L), List.of(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L));
        }
    }

    @Test
    void aBatchStopsGrowingAtItsByteLimit() throws Exception {
        CountDownLatch firstBatchMayEnd = new CountDownLatch(1);
        try (ChunkStager stager = new ChunkStager(recording(firstBatchMayEnd), 10)) {
            stager.stage(1, new byte[4]);
            awaitBatches(1);
            List<CompletableFuture<Void>> waiting = new ArrayList<>();
            for (long i = 2; i <= 6; i++) {
                waiting.add(stager.stage(i, new byte[4]));
            }
            firstBatchMayEnd.countDown();

            CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(batches).containsExactly(List.of(1L), List.of(2L, 3L, 4L), List.of(5L, 6L));
        }
    }

    @Test
    void aFailedWriteFailsEachChunkOfItsBatchAndTheNextBatchIsWritten() throws Exception {
        List<List<Long>> written = new CopyOnWriteArrayList<>();
        Consumer<List<StagedChunk>> failsOnce = chunks -> {
            if (chunks.get(0).index() == 1) {
                throw new IllegalStateException("No space left on device");
            }
            written.add(chunks.stream().map(StagedChunk::index).toList());
        };
        try (ChunkStager stager = new ChunkStager(failsOnce)) {
            CompletableFuture<Void> failed = stager.stage(1, new byte[] {1});
            assertThatThrownBy(() -> failed.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("No space left on device");

            stager.stage(2, new byte[] {1}).get(30, TimeUnit.SECONDS);
            assertThat(written).containsExactly(List.of(2L));
        }
    }

    /** An Error ends the stager's thread: what it was writing and everything after fails at once, nothing hangs. */
    @Test
    void anErrorFailsTheBatchAndEveryLaterChunkInsteadOfLeavingThemWaiting() throws Exception {
        try (ChunkStager stager = new ChunkStager(chunks -> {
            throw new Error("out of something");
        })) {
            assertThatThrownBy(() -> stager.stage(1, new byte[] {1}).get(30, TimeUnit.SECONDS))
                    .hasMessageContaining("out of something");
            assertThatThrownBy(() -> stager.stage(2, new byte[] {1}).get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(IOException.class);
        }
    }

    @Test
    void closingFailsWhatWaitsAndRefusesMore() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        ChunkStager stager = new ChunkStager(recording(never));
        try {
            stager.stage(1, new byte[] {1});
            awaitBatches(1);
            CompletableFuture<Void> waiting = stager.stage(2, new byte[] {1});

            stager.close();

            assertThatThrownBy(() -> waiting.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
            assertThatThrownBy(() -> stager.stage(3, new byte[] {1}).get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(IOException.class)
                    .hasMessageContaining("closed");
        } finally {
            never.countDown();
        }
    }

    private void awaitBatches(int n) {
        await().atMost(Duration.ofSeconds(30)).until(() -> batches.size() >= n);
    }

    private static void hold(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
