package io.corral.coordinator.store;

import io.corral.coordinator.state.kv.Space;
import java.util.Arrays;

/**
 * Where each space's first live key is, so that an apply's scan from a space's start begins there instead of walking
 * the tombstones below it. Queues and time-ordered indexes are consumed from their head: every lease, expiry and
 * collection deletes the head key, and RocksDB skips its tombstone on every later scan from the start until a
 * compaction drops it, so without this a queue that had leased a million tasks walked a million tombstones for each
 * lease, on every member.
 *
 * <p>Invariant: no committed live key of a space is below its bound. The bound is tight (it is the first live key)
 * after every commit that put a key below it or deleted it, or whenever the space is empty, the bound of the last key
 * deleted. It is moved by the apply thread, the store's only writer, under this object's lock together with each
 * commit; a reader on another thread reads a bound and creates its iterator under the same lock, so that a bound never
 * is newer than the iterator's view of the store (which could skip a key deleted after the view was taken).
 */
final class SpaceHeads {
    /** The first live key at or after {@code from} in the committed store (null: from the start), or null. */
    interface Seek {
        byte[] firstFrom(Space space, byte[] from);
    }

    private static final int SPACES = Space.values().length;

    private final byte[][] bounds = new byte[SPACES][];
    private final boolean[] tight = new boolean[SPACES];

    /** The lowest key there is: the bound of a space found empty, until a put gives it a first key. */
    private static final byte[] START = new byte[0];

    /**
     * Finds every space's first live key in a store just opened or replaced. This walks the tombstones before each
     * space's head once (as the first scan from the start would); every commit after keeps the bounds tight.
     */
    synchronized void reset(Seek seek) {
        for (Space space : Space.values()) {
            byte[] first = seek.firstFrom(space, null);
            bounds[space.ordinal()] = first != null ? first : START;
            tight[space.ordinal()] = first != null;
        }
    }

    /**
     * Where a scan of {@code space} from its start may begin in a transaction whose smallest put in that space is
     * {@code batchMinPut} (null: none), or null to scan from the very start.
     */
    synchronized byte[] lowerBound(Space space, byte[] batchMinPut, Seek seek) {
        int i = space.ordinal();
        if (bounds[i] == null) {
            reset(seek);
        }
        return batchMinPut != null && compare(batchMinPut, bounds[i]) < 0 ? batchMinPut : bounds[i];
    }

    /**
     * After a commit: {@code minPut} and {@code minDeleted} are the smallest keys the batch put in and deleted from
     * {@code space}, {@code maxDeleted} the largest it deleted (null: none). Moves the bound to the first live key when
     * the batch may have changed it: a put below it, the head deleted (nothing live is below a tight bound, so a delete
     * at or below it is the head's), or a put while the bound is loose (the space was emptied).
     *
     * <p>A space the batch left empty keeps as its bound the largest key it deleted (any bound holds while nothing is
     * live, and a later put below it moves it down), so that the next seek starts after this batch's tombstones: a
     * queue that empties after every task (one worker keeping up with a trickle of jobs) stepped over every task it
     * had ever consumed since the last compaction, on every entry.
     */
    synchronized void committed(Space space, byte[] minPut, byte[] minDeleted, byte[] maxDeleted, Seek seek) {
        int i = space.ordinal();
        if (bounds[i] == null) {
            return; // not reset yet: found from the store at the first use
        }
        boolean below = minPut != null && compare(minPut, bounds[i]) < 0;
        boolean headDeleted = tight[i] && minDeleted != null && compare(minDeleted, bounds[i]) <= 0;
        boolean looseWithPuts = minPut != null && !tight[i];
        if (!below && !headDeleted && !looseWithPuts) {
            return;
        }
        byte[] from = below ? minPut : bounds[i];
        byte[] first = seek.firstFrom(space, from);
        if (first == null) {
            // Empty: no live key anywhere; start the next seek after the tombstones this batch left.
            bounds[i] = maxDeleted != null && compare(maxDeleted, from) > 0 ? maxDeleted : from;
            tight[i] = false;
        } else {
            bounds[i] = first;
            tight[i] = true;
        }
    }

    /**
     * The bound of {@code space} if known, else null (scan from the start). For a reader on any thread: it must hold
     * this object's lock while it also creates its iterator, so that both see the store between the same commits.
     */
    synchronized byte[] knownBound(Space space) {
        byte[] bound = bounds[space.ordinal()];
        return bound == null || bound.length == 0 ? null : bound;
    }

    /** RocksDB's default comparator: unsigned bytes, then length. */
    static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }
}
