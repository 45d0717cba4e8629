package io.corral.jepsen.checker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * A fenced resource kept by the harness: one counter per lock name that lock holders increment, accepting an access
 * only with a token at least the highest it has seen. It is what a fencing token protects in the real world (a file,
 * a row), made observable: it logs every accepted write so {@link FencedRegisterChecker} can look for lost updates.
 *
 * <p>Reads are fenced too, and must be. With fenced writes only, a holder whose lock lapsed (token 1) and the new
 * holder (token 2) could both read 0, the old one write 1 (no token above 1 seen yet) and the new one write 1: an
 * increment lost while tokens worked perfectly. Once the new holder's read raises the highest token to 2, the old
 * holder's write is refused. So an update can only be lost if two holders share a token, which is what fencing
 * must rule out.
 *
 * <p>Thread-safe; bounded: it refuses to log more than {@code maxWritesPerLock} writes per lock, so a runaway workload
 * fails loudly instead of filling the heap.
 */
public final class FencedRegister {
    /** Far more than a test run of minutes makes; the log costs about 50 bytes a write. */
    public static final int DEFAULT_MAX_WRITES_PER_LOCK = 1_000_000;

    /**
     * An accepted write.
     *
     * @param seq acceptance order over all locks, from 1
     * @param read the value the writer had read with the same token, kept for the lost-update check
     * @param value the value written
     */
    public record Write(long seq, long token, long read, long value) {}

    /**
     * One lock's register at a point in time.
     *
     * @param highestToken the highest token seen by an accepted read or write, 0 before any
     * @param value the current value, 0 before any write
     * @param accepted the accepted writes in acceptance order
     * @param refused how many reads and writes were refused for a stale token
     */
    public record Cell(long highestToken, long value, List<Write> accepted, long refused) {
        public Cell {
            accepted = List.copyOf(accepted);
        }
    }

    private static final class MutableCell {
        long highestToken;
        long value;
        long refused;
        final List<Write> accepted = new ArrayList<>();
    }

    private final int maxWritesPerLock;
    private final Map<String, MutableCell> cells = new TreeMap<>();
    private long seq;

    public FencedRegister() {
        this(DEFAULT_MAX_WRITES_PER_LOCK);
    }

    public FencedRegister(int maxWritesPerLock) {
        this.maxWritesPerLock = maxWritesPerLock;
    }

    /** The lock's value, or empty (refused) when {@code token} is below the highest seen; raises the highest. */
    public synchronized OptionalLong read(String lock, long token) {
        MutableCell cell = cells.computeIfAbsent(lock, k -> new MutableCell());
        if (token < cell.highestToken) {
            cell.refused++;
            return OptionalLong.empty();
        }
        cell.highestToken = token;
        return OptionalLong.of(cell.value);
    }

    /**
     * Writes {@code value} unless {@code token} is below the highest seen.
     *
     * @param read the value the writer read with this token before (logged, not checked: the checker judges it)
     * @return whether the write was accepted
     */
    public synchronized boolean write(String lock, long token, long read, long value) {
        MutableCell cell = cells.computeIfAbsent(lock, k -> new MutableCell());
        if (token < cell.highestToken) {
            cell.refused++;
            return false;
        }
        if (cell.accepted.size() >= maxWritesPerLock) {
            throw new IllegalStateException("register " + lock + " logged " + maxWritesPerLock + " writes, its limit");
        }
        cell.highestToken = token;
        cell.value = value;
        cell.accepted.add(new Write(++seq, token, read, value));
        return true;
    }

    /** A consistent copy of every lock's register, sorted by lock name. */
    public synchronized Map<String, Cell> snapshot() {
        Map<String, Cell> copy = new TreeMap<>();
        cells.forEach((lock, c) -> copy.put(lock, new Cell(c.highestToken, c.value, c.accepted, c.refused)));
        return copy;
    }
}
