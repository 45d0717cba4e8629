package io.corral.coordinator.store;

import io.corral.coordinator.state.kv.KvView.Visitor;
import java.util.Arrays;
import org.rocksdb.RocksIterator;

/** Bounded forward and reverse iteration over a RocksDB iterator, with the {@link Visitor} contract of the core. */
final class Scans {
    private Scans() {}

    /**
     * Whether the range {@code [from, to)} holds no key at all (null: unbounded), so that a scan of it need not open an
     * iterator: a scan from a space's head up to a time that is not yet due, as the request log's collection does on
     * every entry, is answered without touching RocksDB.
     */
    static boolean emptyRange(byte[] from, byte[] to) {
        return from != null && to != null && Arrays.compareUnsigned(from, to) >= 0;
    }

    static void run(RocksIterator it, byte[] from, byte[] to, boolean reverse, Visitor visitor) {
        if (reverse) {
            reverse(it, from, to, visitor);
        } else {
            forward(it, from, to, visitor);
        }
    }

    private static void forward(RocksIterator it, byte[] from, byte[] to, Visitor visitor) {
        if (from == null) {
            it.seekToFirst();
        } else {
            it.seek(from);
        }
        for (; it.isValid(); it.next()) {
            byte[] key = it.key();
            if (to != null && Arrays.compareUnsigned(key, to) >= 0) {
                return;
            }
            if (!visitor.visit(key, it.value())) {
                return;
            }
        }
    }

    private static void reverse(RocksIterator it, byte[] from, byte[] to, Visitor visitor) {
        if (to == null) {
            it.seekToLast();
        } else {
            // seekForPrev lands on the last key <= to; the range excludes "to" itself.
            it.seekForPrev(to);
            if (it.isValid() && Arrays.compareUnsigned(it.key(), to) >= 0) {
                it.prev();
            }
        }
        for (; it.isValid(); it.prev()) {
            byte[] key = it.key();
            if (from != null && Arrays.compareUnsigned(key, from) < 0) {
                return;
            }
            if (!visitor.visit(key, it.value())) {
                return;
            }
        }
    }
}
