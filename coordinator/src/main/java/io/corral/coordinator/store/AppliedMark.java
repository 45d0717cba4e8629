package io.corral.coordinator.store;

import java.nio.ByteBuffer;

/**
 * The term and index of the last log entry whose changes are in the store. It is written in the same WriteBatch as
 * those changes, so the two can never disagree, and a restart replays only the entries after it.
 */
public record AppliedMark(long term, long index) {
    public static final AppliedMark NONE = new AppliedMark(0, -1);

    byte[] encode() {
        return ByteBuffer.allocate(16).putLong(term).putLong(index).array();
    }

    static AppliedMark decode(byte[] bytes) {
        if (bytes == null) {
            return NONE;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new AppliedMark(b.getLong(), b.getLong());
    }
}
