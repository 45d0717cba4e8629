package io.corral.coordinator.state.kv;

/** Read access to the replicated key spaces: the port the pure core reads through. */
public interface KvView {
    /** The value under {@code key}, or null. */
    byte[] get(Space space, byte[] key);

    /**
     * Visits entries with {@code from <= key < to} in ascending key order (descending when {@code reverse}) until the
     * visitor returns false. A null bound is open.
     */
    void scan(Space space, byte[] from, byte[] to, boolean reverse, Visitor visitor);

    @FunctionalInterface
    interface Visitor {
        /** Returns false to stop the scan. */
        boolean visit(byte[] key, byte[] value);
    }
}
