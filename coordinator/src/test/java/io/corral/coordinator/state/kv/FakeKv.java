package io.corral.coordinator.state.kv;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * In-memory key spaces for tests: a sorted map per {@link Space} with unsigned lexicographic key order (as RocksDB's
 * default comparator), and transactions with read-your-writes that are committed or discarded. Keys and values are
 * copied in and out, so aliasing bugs in the core show up here as they would against RocksDB.
 */
public final class FakeKv implements KvView {
    private static final byte[] TOMBSTONE = new byte[0];

    private final Map<Space, TreeMap<byte[], byte[]>> spaces = new EnumMap<>(Space.class);

    public FakeKv() {
        for (Space space : Space.values()) {
            spaces.put(space, new TreeMap<>(Arrays::compareUnsigned));
        }
    }

    public Txn begin() {
        return new Txn();
    }

    @Override
    public byte[] get(Space space, byte[] key) {
        byte[] value = spaces.get(space).get(key);
        return value == null ? null : value.clone();
    }

    @Override
    public void scan(Space space, byte[] from, byte[] to, boolean reverse, Visitor visitor) {
        merge(range(spaces.get(space), from, to, reverse), Collections.emptyNavigableMap(), reverse, visitor);
    }

    public int size(Space space) {
        return spaces.get(space).size();
    }

    /** A copy of every space, for comparing whole states (keys and values as hex). */
    public Map<Space, Map<String, String>> dump() {
        Map<Space, Map<String, String>> out = new EnumMap<>(Space.class);
        spaces.forEach((space, map) -> {
            Map<String, String> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(hex(k), hex(v)));
            out.put(space, copy);
        });
        return out;
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static NavigableMap<byte[], byte[]> range(
            TreeMap<byte[], byte[]> map, byte[] from, byte[] to, boolean reverse) {
        NavigableMap<byte[], byte[]> sub;
        if (from != null && to != null && Arrays.compareUnsigned(from, to) >= 0) {
            sub = Collections.emptyNavigableMap();
        } else if (from == null && to == null) {
            sub = map;
        } else if (from == null) {
            sub = map.headMap(to, false);
        } else if (to == null) {
            sub = map.tailMap(from, true);
        } else {
            sub = map.subMap(from, true, to, false);
        }
        return reverse ? sub.descendingMap() : sub;
    }

    /** Visits base and overlay together in scan order; the overlay wins on equal keys, tombstones hide keys. */
    private static void merge(
            NavigableMap<byte[], byte[]> base, NavigableMap<byte[], byte[]> overlay, boolean reverse, Visitor visitor) {
        Iterator<Map.Entry<byte[], byte[]>> a = base.entrySet().iterator();
        Iterator<Map.Entry<byte[], byte[]>> b = overlay.entrySet().iterator();
        Map.Entry<byte[], byte[]> x = a.hasNext() ? a.next() : null;
        Map.Entry<byte[], byte[]> y = b.hasNext() ? b.next() : null;
        while (x != null || y != null) {
            // order < 0: x comes first in scan order; a side that ran out always comes last.
            int order;
            if (x == null || y == null) {
                order = x == null ? 1 : -1;
            } else {
                int compared = Arrays.compareUnsigned(x.getKey(), y.getKey());
                order = reverse ? -compared : compared;
            }
            Map.Entry<byte[], byte[]> next = order < 0 ? x : y;
            if (order <= 0) {
                x = a.hasNext() ? a.next() : null;
            }
            if (order >= 0) {
                y = b.hasNext() ? b.next() : null;
            }
            if (next.getValue() != TOMBSTONE
                    && !visitor.visit(next.getKey().clone(), next.getValue().clone())) {
                return;
            }
        }
    }

    /** Writes buffered over the committed state. */
    public final class Txn implements KvTxn {
        private final Map<Space, TreeMap<byte[], byte[]>> writes = new EnumMap<>(Space.class);
        private int count;
        private boolean open = true;

        private Txn() {
            for (Space space : Space.values()) {
                writes.put(space, new TreeMap<>(Arrays::compareUnsigned));
            }
        }

        @Override
        public byte[] get(Space space, byte[] key) {
            requireOpen();
            byte[] value = writes.get(space).get(key);
            if (value == TOMBSTONE) {
                return null;
            }
            return value != null ? value.clone() : FakeKv.this.get(space, key);
        }

        @Override
        public void scan(Space space, byte[] from, byte[] to, boolean reverse, Visitor visitor) {
            requireOpen();
            merge(
                    range(spaces.get(space), from, to, reverse),
                    range(writes.get(space), from, to, reverse),
                    reverse,
                    visitor);
        }

        @Override
        public void put(Space space, byte[] key, byte[] value) {
            requireOpen();
            if (key == null || value == null) {
                throw new NullPointerException("null key or value in " + space);
            }
            count++;
            writes.get(space).put(key.clone(), value.clone());
        }

        @Override
        public void delete(Space space, byte[] key) {
            requireOpen();
            count++;
            writes.get(space).put(key.clone(), TOMBSTONE);
        }

        /** Puts and deletes issued, including ones that later writes overwrote. */
        public int writes() {
            return count;
        }

        public void commit() {
            requireOpen();
            open = false;
            writes.forEach((space, map) -> map.forEach((k, v) -> {
                if (v == TOMBSTONE) {
                    spaces.get(space).remove(k);
                } else {
                    spaces.get(space).put(k, v);
                }
            }));
        }

        public void discard() {
            requireOpen();
            open = false;
        }

        private void requireOpen() {
            if (!open) {
                throw new IllegalStateException("transaction already committed or discarded");
            }
        }
    }
}
