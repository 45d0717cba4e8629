package io.corral.coordinator.state.kv;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The writes of one applied entry, held in memory until the entry ends ({@link #flush}), with every key read or
 * written kept: a key that many commands of one entry read and write (the counters, the blob record of an image the
 * jobs of a batch share, a sequence) is read from the store once and written to it once, however many commands touch
 * it. Reads see this entry's own writes, as through any {@link KvTxn}. A scan is answered by the store, so it first
 * hands the writes held so far to it.
 *
 * <p>Only small values are held ({@link #HELD_VALUE_MAX_BYTES}): records and counters. A larger one (an image chunk)
 * goes to the store as it is written and is read from it each time, so a seal that reads every chunk of a large image
 * does not keep the image in memory until its entry ends.
 *
 * <p>Values are copied in and out: a caller that changes an array it put or got changes nothing stored.
 */
public final class EntryTxn implements KvTxn {
    /** Values up to this size are held and remembered; larger ones pass straight through to the store. */
    public static final int HELD_VALUE_MAX_BYTES = 4096;

    private final KvTxn store;
    /** Per space, by key: the value as this entry sees it (null value: absent), and whether the store has it yet. */
    @SuppressWarnings("unchecked")
    private final Map<ByteBuffer, Cell>[] cells = new Map[Space.values().length];

    /** The cells written since the last flush, in the order first written: a flush costs what it writes. */
    private final List<Cell> dirty = new ArrayList<>();

    private static final class Cell {
        final Space space;
        final byte[] key;
        byte[] value;
        boolean dirty;

        Cell(Space space, byte[] key, byte[] value) {
            this.space = space;
            this.key = key;
            this.value = value;
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
            byte[] value = store.get(space, key);
            if (value != null && value.length > HELD_VALUE_MAX_BYTES) {
                return value;
            }
            byte[] copy = key.clone();
            cell = new Cell(space, copy, value);
            map.put(ByteBuffer.wrap(copy), cell);
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
        if (value.length > HELD_VALUE_MAX_BYTES) {
            // Written now, and forgotten here: an earlier value of the key held for the flush must not overwrite it.
            Cell held = cells(space).remove(ByteBuffer.wrap(key));
            if (held != null) {
                held.dirty = false;
            }
            store.put(space, key, value);
            return;
        }
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
            byte[] copy = key.clone();
            cell = new Cell(space, copy, value);
            map.put(ByteBuffer.wrap(copy), cell);
        } else {
            cell.value = value;
        }
        if (!cell.dirty) {
            cell.dirty = true;
            dirty.add(cell);
        }
    }

    /** Hands every write held so far to the store (each key once, with its last value); the reads stay remembered. */
    public void flush() {
        for (Cell cell : dirty) {
            if (!cell.dirty) {
                continue; // superseded by a large value written straight to the store
            }
            if (cell.value == null) {
                store.delete(cell.space, cell.key);
            } else {
                store.put(cell.space, cell.key, cell.value);
            }
            cell.dirty = false;
        }
        dirty.clear();
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
