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
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scans from a space's start in apply begin at its first live key, on a real RocksDB: the head of a consumed queue
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

            // The same scan outside apply (which keeps no head) walks them all: what the bound saves.
            long skippedInView = s.tombstonesSkippedBy(() -> firstFromStart(s.view()));
            assertThat(skippedInView).isGreaterThanOrEqualTo(consumed);
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
