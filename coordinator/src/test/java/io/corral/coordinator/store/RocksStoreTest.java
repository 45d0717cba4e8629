package io.corral.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.coordinator.state.kv.Space;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The RocksDB adapter on a real RocksDB: atomic applies with their mark, scans, staging, checkpoints, swaps. */
class RocksStoreTest {
    @TempDir
    Path dir;

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anApplyCommitsItsWritesTogetherWithTheAppliedMarkAndSurvivesReopen() {
        try (RocksStore s = RocksStore.open(dir.resolve("db"))) {
            assertThat(s.applied()).isEqualTo(AppliedMark.NONE);
            s.apply(new AppliedMark(1, 5), txn -> {
                txn.put(Space.JOBS, b("a"), b("1"));
                assertThat(txn.get(Space.JOBS, b("a")))
                        .as("reads see the transaction's own writes")
                        .isEqualTo(b("1"));
                return null;
            });
        }
        try (RocksStore s = RocksStore.open(dir.resolve("db"))) {
            assertThat(s.applied()).isEqualTo(new AppliedMark(1, 5));
            assertThat(s.view().get(Space.JOBS, b("a"))).isEqualTo(b("1"));
        }
    }

    @Test
    void aFailedApplyWritesNothingNotEvenItsMark() {
        try (RocksStore s = RocksStore.open(dir.resolve("db"))) {
            assertThatThrownBy(() -> s.apply(new AppliedMark(1, 7), txn -> {
                        txn.put(Space.JOBS, b("x"), b("1"));
                        throw new IllegalStateException("bug in apply");
                    }))
                    .isInstanceOf(IllegalStateException.class);
            assertThat(s.view().get(Space.JOBS, b("x"))).isNull();
            assertThat(s.applied()).isEqualTo(AppliedMark.NONE);
        }
    }

    @Test
    void scansRespectBoundsInBothDirectionsAndSeePendingWrites() {
        try (RocksStore s = RocksStore.open(dir.resolve("db"))) {
            s.apply(new AppliedMark(1, 1), txn -> {
                for (String k : List.of("a", "b", "c", "d")) {
                    txn.put(Space.LOCKS, b(k), b(k));
                }
                return null;
            });
            assertThat(keys(s, b("b"), b("d"), false)).containsExactly("b", "c");
            assertThat(keys(s, b("b"), b("d"), true)).containsExactly("c", "b");
            assertThat(keys(s, null, null, true)).containsExactly("d", "c", "b", "a");
            s.apply(new AppliedMark(1, 2), txn -> {
                txn.delete(Space.LOCKS, b("b"));
                txn.put(Space.LOCKS, b("bb"), b("x"));
                List<String> seen = new ArrayList<>();
                txn.scan(Space.LOCKS, b("b"), b("d"), false, (k, v) -> seen.add(new String(k, StandardCharsets.UTF_8)));
                assertThat(seen).containsExactly("bb", "c");
                return null;
            });
        }
    }

    private static List<String> keys(RocksStore s, byte[] from, byte[] to, boolean reverse) {
        List<String> out = new ArrayList<>();
        s.view().scan(Space.LOCKS, from, to, reverse, (k, v) -> out.add(new String(k, StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void stagedChunksAreKeptUntilTruncatedOrCoveredByASnapshot() {
        try (RocksStore s = RocksStore.open(dir.resolve("db"))) {
            for (long i = 1; i <= 5; i++) {
                s.stage(i, b("chunk" + i));
            }
            s.dropStagedFrom(4);
            assertThat(s.staged(3)).isEqualTo(b("chunk3"));
            assertThat(s.staged(4)).isNull();
            s.dropStagedThrough(2);
            assertThat(s.staged(2)).isNull();
            assertThat(s.staged(3)).isEqualTo(b("chunk3"));
        }
    }

    @Test
    void aCheckpointCanReplaceTheLiveStore() {
        Path cp = dir.resolve("cp");
        try (RocksStore leader = RocksStore.open(dir.resolve("leader"))) {
            leader.apply(new AppliedMark(3, 30), txn -> {
                txn.put(Space.BLOBS, b("sha"), b("blob"));
                return null;
            });
            leader.checkpoint(cp);
        }
        assertThat(RocksStore.appliedOf(cp)).isEqualTo(new AppliedMark(3, 30));
        try (RocksStore follower = RocksStore.open(dir.resolve("follower"))) {
            follower.apply(new AppliedMark(1, 2), txn -> {
                txn.put(Space.BLOBS, b("old"), b("gone"));
                return null;
            });
            follower.replaceWith(cp, p -> {});
            assertThat(follower.applied()).isEqualTo(new AppliedMark(3, 30));
            assertThat(follower.view().get(Space.BLOBS, b("sha"))).isEqualTo(b("blob"));
            assertThat(follower.view().get(Space.BLOBS, b("old"))).isNull();
        }
    }

    @Test
    void imageChunksLiveInBlobFilesAndTravelWithACheckpoint() throws Exception {
        Path cp = dir.resolve("cp-blobs");
        byte[] chunk = new byte[256 * 1024];
        new Random(7).nextBytes(chunk);
        try (RocksStore leader = RocksStore.open(dir.resolve("leader-blobs"))) {
            leader.apply(new AppliedMark(2, 9), txn -> {
                txn.put(Space.BLOB_CHUNKS, b("sha/0"), chunk);
                txn.put(Space.BLOB_CHUNKS, b("sha/tiny"), b("small"));
                return null;
            });
            leader.flush();
            try (Stream<Path> files = Files.list(dir.resolve("leader-blobs"))) {
                assertThat(files.map(f -> f.getFileName().toString())).anyMatch(n -> n.endsWith(".blob"));
            }
            leader.checkpoint(cp);
        }
        try (RocksStore follower = RocksStore.open(dir.resolve("follower-blobs"))) {
            follower.replaceWith(cp, p -> {});
            assertThat(follower.view().get(Space.BLOB_CHUNKS, b("sha/0"))).isEqualTo(chunk);
            assertThat(follower.view().get(Space.BLOB_CHUNKS, b("sha/tiny"))).isEqualTo(b("small"));
        }
    }
}
