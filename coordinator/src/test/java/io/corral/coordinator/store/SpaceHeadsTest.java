package io.corral.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Space;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scans from a space's start, in apply and in reads, begin at its first live key, on a real RocksDB: the head of a consumed queue
 * is not found again by walking every tombstone below it, and no live key is ever skipped.
 */
class SpaceHeadsTest {
    @TempDir
    Path dir;

    private long index;

    static byte[] key(long n) {
        return ByteBuffer.allocate(8).putLong(n).array();
    }

    private void apply(RocksStore s, Consumer<KvTxn> body) {
        s.apply(new AppliedMark(1, ++index), txn -> {
            body.accept(txn);
            return null;
        });
    }

    private static byte[] firstFromStart(KvView view) {
        byte[][] first = new byte[1][];
        view.scan(Space.PENDING, null, null, false, (k, v) -> {
            first[0] = k;
            return false;
        });
        return first[0];
    }

    @Test
    void anApplyFindsTheHeadOfAConsumedQueueWithoutWalkingItsTombstones() {
        int consumed = 20_000;
        try (RocksStore s = RocksStore.open(dir.resolve("db"))) {
            apply(s, txn -> {
                for (long n = 0; n <= consumed; n++) {
                    txn.put(Space.PENDING, key(n), key(n));
                }
            });
            // Consumed from the head, a few keys an entry, as leases do.
            for (long n = 0; n < consumed; n += 4) {
                long first = n;
                apply(s, txn -> {
                    byte[] head = firstFromStart(txn);
                    assertThat(head).isEqualTo(key(first));
                    for (long m = first; m < first + 4; m++) {
                        txn.delete(Space.PENDING, key(m));
                    }
                });
            }

            byte[][] seen = new byte[1][];
            long skippedInApply = s.tombstonesSkippedBy(() -> apply(s, txn -> seen[0] = firstFromStart(txn)));
            assertThat(seen[0]).isEqualTo(key(consumed));
            assertThat(skippedInApply)
                    .as("tombstones walked by a scan from the start in apply")
                    .isLessThanOrEqualTo(4);

            byte[][] read = new byte[1][];
            long skippedInView = s.tombstonesSkippedBy(() -> read[0] = firstFromStart(s.view()));
            assertThat(read[0]).isEqualTo(key(consumed));
            assertThat(skippedInView)
                    .as("tombstones walked by a read from the start")
                    .isLessThanOrEqualTo(4);

            // A scan from the lowest key instead walks them all: what the bound saves.
            long skippedFromZero =
                    s.tombstonesSkippedBy(() -> s.view().scan(Space.PENDING, key(0), null, false, (k, v) -> false));
            assertThat(skippedFromZero).isGreaterThanOrEqualTo(consumed);
        }
    }

    @Test
    void aScanFromTheStartInApplySeesExactlyTheLiveKeysWhateverTheHistory() {
        Random random = new Random(20261207);
        TreeMap<Long, Boolean> model = new TreeMap<>();
        try (RocksStore s = RocksStore.open(dir.resolve("db"))) {
            for (int entry = 0; entry < 3_000; entry++) {
                boolean fail = random.nextInt(50) == 0;
                TreeMap<Long, Boolean> next = new TreeMap<>(model);
                try {
                    apply(s, txn -> {
                        int ops = 1 + random.nextInt(6);
                        for (int o = 0; o < ops; o++) {
                            int what = random.nextInt(10);
                            if (what < 4) {
                                // Puts mostly above the head, sometimes below it (a release, a higher priority).
                                long k = next.isEmpty() || random.nextInt(4) == 0
                                        ? random.nextInt(2_000)
                                        : next.lastKey() + 1 + random.nextInt(3);
                                txn.put(Space.PENDING, key(k), key(k));
                                next.put(k, true);
                            } else if (what < 8 && !next.isEmpty()) {
                                long k = next.firstKey(); // consume the head
                                txn.delete(Space.PENDING, key(k));
                                next.remove(k);
                            } else if (!next.isEmpty()) {
                                long k = random.nextInt(2_000); // delete anywhere, maybe nothing
                                txn.delete(Space.PENDING, key(k));
                                next.remove(k);
                            }
                            assertThat(all(txn))
                                    .as("entry %d: the transaction's view", index)
                                    .containsExactlyElementsOf(keys(next));
                        }
                        if (fail) {
                            throw new IllegalStateException("a failed apply");
                        }
                    });
                    model = next;
                } catch (IllegalStateException e) {
                    assertThat(fail).isTrue();
                }
                List<byte[]> committed = new ArrayList<>();
                TreeMap<Long, Boolean> m = model;
                assertThat(all(s.view())).as("a read after entry %d", index).containsExactlyElementsOf(keys(m));
                apply(s, txn -> committed.addAll(all(txn)));
                assertThat(committed).as("after entry %d", index).containsExactlyElementsOf(keys(m));
            }
        }
    }

    private static List<byte[]> all(KvView view) {
        List<byte[]> keys = new ArrayList<>();
        view.scan(Space.PENDING, null, null, false, (k, v) -> keys.add(k));
        return keys;
    }

    private static List<byte[]> keys(TreeMap<Long, Boolean> model) {
        return model.keySet().stream().map(SpaceHeadsTest::key).toList();
    }

    @Test
    void aReadConcurrentWithAppliesSeesWholeCommittedStates() throws Exception {
        // Every committed state holds exactly WINDOW consecutive keys: each entry slides the window up (consumes the
        // head, adds at the top) or down (adds below the head, drops the top). A read that skipped a live key below
        // a bound newer than its view would see fewer, or a gap.
        int window = 50;
        try (RocksStore s = RocksStore.open(dir.resolve("db"))) {
            apply(s, txn -> {
                for (long n = 1_000; n < 1_000 + window; n++) {
                    txn.put(Space.PENDING, key(n), key(n));
                }
            });
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<String> wrong = new AtomicReference<>();
            AtomicLong reads = new AtomicLong();
            Thread reader = new Thread(() -> {
                while (!done.get() && wrong.get() == null) {
                    List<byte[]> keys = all(s.view());
                    reads.incrementAndGet();
                    long first =
                            keys.isEmpty() ? -1 : ByteBuffer.wrap(keys.get(0)).getLong();
                    for (int i = 0; i < keys.size(); i++) {
                        if (ByteBuffer.wrap(keys.get(i)).getLong() != first + i) {
                            wrong.set("a gap at " + i + " of " + keys.size());
                        }
                    }
                    if (keys.size() != window) {
                        wrong.set("read " + keys.size() + " keys, not " + window);
                    }
                }
            });
            reader.start();
            Random random = new Random(7);
            long[] low = {1_000};
            for (int entry = 0; entry < 5_000 && wrong.get() == null; entry++) {
                boolean up = low[0] <= 10 || random.nextInt(5) != 0;
                apply(s, txn -> {
                    assertThat(firstFromStart(txn)).isEqualTo(key(low[0])); // as a lease's peek does
                    if (up) {
                        txn.delete(Space.PENDING, key(low[0]));
                        txn.put(Space.PENDING, key(low[0] + window), key(low[0] + window));
                        low[0]++;
                    } else {
                        txn.put(Space.PENDING, key(low[0] - 1), key(low[0] - 1));
                        txn.delete(Space.PENDING, key(low[0] + window - 1));
                        low[0]--;
                    }
                });
            }
            done.set(true);
            reader.join();
            assertThat(wrong.get()).isNull();
            assertThat(reads.get()).isPositive();
        }
    }

    @Test
    void theBoundIsForgottenWhenTheStoreIsReplaced() {
        try (RocksStore s = RocksStore.open(dir.resolve("db"))) {
            apply(s, txn -> txn.put(Space.PENDING, key(10), key(10)));
            apply(s, txn -> assertThat(firstFromStart(txn)).isEqualTo(key(10)));
            // A checkpoint that holds a smaller key replaces the store (a snapshot install).
            Path other = dir.resolve("other");
            try (RocksStore o = RocksStore.open(other)) {
                o.apply(new AppliedMark(1, 1), txn -> {
                    txn.put(Space.PENDING, key(3), key(3));
                    return null;
                });
                o.checkpoint(dir.resolve("cp"));
            }
            s.replaceWith(dir.resolve("cp"), p -> {});
            apply(s, txn -> assertThat(Arrays.equals(firstFromStart(txn), key(3)))
                    .isTrue());
        }
    }
}
