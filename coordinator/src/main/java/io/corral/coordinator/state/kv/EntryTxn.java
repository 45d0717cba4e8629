package io.corral.coordinator.state.kv;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The writes of one applied entry, held in memory until the entry ends ({@link #flush}), with every key read or
 * written kept: a key that many commands of one entry read and write (the counters, the blob record of an image the
 * jobs of a batch share, a sequence) is read from the store once and written to it once, however many commands touch
 * it. Reads see this entry's own writes, as through any {@link KvTxn}. A scan is answered by the store, so it first
 * hands the writes held so far to it.
 *
 * <p>Values are copied in and out: a caller that changes an array it put or got changes nothing stored.
 */
public final class EntryTxn implements KvTxn {
    private final KvTxn store;
    /** Per space, by key: the value as this entry sees it (null value: absent), and whether the store has it yet. */
    @SuppressWarnings("unchecked")
    private final Map<ByteBuffer, Cell>[] cells = new Map[Space.values().length];

    private int held;

    private static final class Cell {
        byte[] value;
        boolean dirty;

        Cell(byte[] value, boolean dirty) {
            this.value = value;
            this.dirty = dirty;
        }
    }

    public EntryTxn(KvTxn store) {
        this.store = store;
    }

    @Override
    public byte[] get(Space space, byte[] key) {
        Map<ByteBuffer, Cell> map = cells(space);
        ByteBuffer k = ByteBuffer.wrap(key);
        Cell cell = map.get(k);
        if (cell == null) {
            cell = new Cell(store.get(space, key), false);
            map.put(ByteBuffer.wrap(key.clone()), cell);
        }
        return cell.value == null ? null : cell.value.clone();
    }

    @Override
    public void scan(Space space, byte[] from, byte[] to, boolean reverse, Visitor visitor) {
        flush();
        store.scan(space, from, to, reverse, visitor);
    }

    @Override
    public void put(Space space, byte[] key, byte[] value) {
        hold(space, key, value.clone());
    }

    @Override
    public void delete(Space space, byte[] key) {
        hold(space, key, null);
    }

    private void hold(Space space, byte[] key, byte[] value) {
        Map<ByteBuffer, Cell> map = cells(space);
        Cell cell = map.get(ByteBuffer.wrap(key));
        if (cell == null) {
            map.put(ByteBuffer.wrap(key.clone()), new Cell(value, true));
        } else {
            cell.value = value;
            cell.dirty = true;
        }
        held++;
    }

    /** Hands every write held so far to the store (each key once, with its last value); the reads stay remembered. */
    public void flush() {
        if (held == 0) {
            return;
        }
        for (Space space : Space.values()) {
            Map<ByteBuffer, Cell> map = cells[space.ordinal()];
            if (map == null) {
                continue;
            }
            for (Map.Entry<ByteBuffer, Cell> e : map.entrySet()) {
                Cell cell = e.getValue();
                if (!cell.dirty) {
                    continue;
                }
                // The key buffers wrap whole arrays this class copied: array() is the key itself.
                byte[] key = e.getKey().array();
                if (cell.value == null) {
                    store.delete(space, key);
                } else {
                    store.put(space, key, cell.value);
                }
                cell.dirty = false;
            }
        }
        held = 0;
    }

    private Map<ByteBuffer, Cell> cells(Space space) {
        Map<ByteBuffer, Cell> map = cells[space.ordinal()];
        if (map == null) {
            map = new HashMap<>();
            cells[space.ordinal()] = map;
        }
        return map;
    }
}
