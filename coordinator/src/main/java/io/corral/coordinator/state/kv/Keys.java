package io.corral.coordinator.state.kv;

import java.nio.charset.StandardCharsets;

/**
 * Key encoding helpers. Numbers are big-endian so that unsigned byte order is numeric order (for the non-negative
 * values the core stores: times, Raft indexes, task indexes); variable-length text is UTF-8 and, where something
 * follows it in a key, ends with a 0x00 separator (so names in such keys must not contain NUL).
 */
public final class Keys {
    public static final byte[] EMPTY = new byte[0];

    /** Separates a variable-length name from the fields that follow it in a composite key. */
    public static final byte[] SEPARATOR = {0};

    private Keys() {}

    public static byte[] u32(int value) {
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    public static byte[] u64(long value) {
        byte[] out = new byte[8];
        for (int i = 7; i >= 0; i--) {
            out[i] = (byte) value;
            value >>>= 8;
        }
        return out;
    }

    public static int readU32(byte[] bytes, int offset) {
        return (bytes[offset] & 0xFF) << 24
                | (bytes[offset + 1] & 0xFF) << 16
                | (bytes[offset + 2] & 0xFF) << 8
                | (bytes[offset + 3] & 0xFF);
    }

    public static long readU64(byte[] bytes, int offset) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | (bytes[offset + i] & 0xFF);
        }
        return value;
    }

    public static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Decodes {@code bytes[from, to)} as UTF-8. */
    public static String utf8(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }

    public static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    /**
     * The least key greater than every key that starts with {@code prefix}: the exclusive upper bound of a prefix
     * scan. Null (an open bound) when the prefix is all 0xFF bytes, since no such key exists.
     */
    public static byte[] prefixEnd(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xFF) {
                byte[] end = new byte[i + 1];
                System.arraycopy(prefix, 0, end, 0, i + 1);
                end[i]++;
                return end;
            }
        }
        return null;
    }

    /** Exclusive upper bound of the keys whose leading 8 bytes encode a value {@code <= value}. */
    public static byte[] upToU64(long value) {
        return prefixEnd(u64(value));
    }
}
