package io.corral.backup.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The subset of POSIX ustar that backups use: regular files only, names of at most 100 bytes, sizes in octal (or in
 * GNU's base-256 form from 8 GiB up). Written by hand so that {@code tar tvf} and {@code tar xf} can read a backup while
 * the project takes no archive library for a few dozen lines.
 */
public final class Tar {
    public static final int BLOCK_BYTES = 512;
    static final int NAME_BYTES = 100;
    private static final int SIZE_OFFSET = 124;
    private static final int SIZE_BYTES = 12;
    private static final int MTIME_OFFSET = 136;
    private static final int CHECKSUM_OFFSET = 148;
    private static final int CHECKSUM_BYTES = 8;
    private static final int TYPE_OFFSET = 156;
    private static final int MAGIC_OFFSET = 257;
    private static final byte[] MAGIC = "ustar\u000000".getBytes(StandardCharsets.US_ASCII);
    /** The largest size the 11 octal digits of the size field hold; larger sizes use base-256. */
    static final long MAX_OCTAL_SIZE = 077777777777L;

    private Tar() {}

    /** A regular file's entry header. */
    public record Header(String name, long size) {}

    /** The header block of a regular file {@code name} of {@code size} bytes, modified at {@code mtimeMs}. */
    public static byte[] header(String name, long size, long mtimeMs) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > NAME_BYTES || nameBytes.length == 0 || size < 0) {
            throw new IllegalArgumentException(
                    "not a tar entry this writer supports: " + name + ", " + size + " bytes");
        }
        byte[] h = new byte[BLOCK_BYTES];
        System.arraycopy(nameBytes, 0, h, 0, nameBytes.length);
        octal(h, 100, 8, 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        size(h, size);
        octal(h, MTIME_OFFSET, 12, Math.max(0, mtimeMs / 1000));
        h[TYPE_OFFSET] = '0';
        System.arraycopy(MAGIC, 0, h, MAGIC_OFFSET, MAGIC.length);
        Arrays.fill(h, CHECKSUM_OFFSET, CHECKSUM_OFFSET + CHECKSUM_BYTES, (byte) ' ');
        String sum = String.format("%06o", checksum(h));
        System.arraycopy(sum.getBytes(StandardCharsets.US_ASCII), 0, h, CHECKSUM_OFFSET, 6);
        h[CHECKSUM_OFFSET + 6] = 0;
        h[CHECKSUM_OFFSET + 7] = ' ';
        return h;
    }

    /** Whether {@code block} is all zeros: two of them end an archive. */
    public static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses a header block.
     *
     * @throws IllegalArgumentException with the reason when the block is not a ustar header of a regular file
     */
    public static Header parse(byte[] h) {
        if (h.length != BLOCK_BYTES) {
            throw new IllegalArgumentException("a tar header is " + BLOCK_BYTES + " bytes, not " + h.length);
        }
        if (!Arrays.equals(h, MAGIC_OFFSET, MAGIC_OFFSET + 5, MAGIC, 0, 5)) {
            throw new IllegalArgumentException("no ustar magic: not a tar archive");
        }
        long stored = parseOctal(h, CHECKSUM_OFFSET, CHECKSUM_BYTES);
        byte[] copy = h.clone();
        Arrays.fill(copy, CHECKSUM_OFFSET, CHECKSUM_OFFSET + CHECKSUM_BYTES, (byte) ' ');
        if (stored != checksum(copy)) {
            throw new IllegalArgumentException("tar header checksum mismatch");
        }
        if (h[TYPE_OFFSET] != '0' && h[TYPE_OFFSET] != 0) {
            throw new IllegalArgumentException("tar entry of type '" + (char) h[TYPE_OFFSET] + "', not a regular file");
        }
        int end = 0;
        while (end < NAME_BYTES && h[end] != 0) {
            end++;
        }
        String name = new String(h, 0, end, StandardCharsets.UTF_8);
        return new Header(name, parseSize(h));
    }

    /** Zero bytes that pad an entry of {@code size} bytes to a whole block. */
    public static int padding(long size) {
        int rest = (int) (size % BLOCK_BYTES);
        return rest == 0 ? 0 : BLOCK_BYTES - rest;
    }

    private static long checksum(byte[] h) {
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        return sum;
    }

    private static void size(byte[] h, long size) {
        if (size <= MAX_OCTAL_SIZE) {
            octal(h, SIZE_OFFSET, SIZE_BYTES, size);
            return;
        }
        // GNU base-256: the high bit of the first byte set, the value big-endian in the rest.
        byte[] value = ByteBuffer.allocate(8).putLong(size).array();
        Arrays.fill(h, SIZE_OFFSET, SIZE_OFFSET + SIZE_BYTES, (byte) 0);
        h[SIZE_OFFSET] = (byte) 0x80;
        System.arraycopy(value, 0, h, SIZE_OFFSET + SIZE_BYTES - 8, 8);
    }

    private static long parseSize(byte[] h) {
        if ((h[SIZE_OFFSET] & 0x80) != 0) {
            ByteBuffer b = ByteBuffer.wrap(h, SIZE_OFFSET + SIZE_BYTES - 8, 8);
            for (int i = SIZE_OFFSET + 1; i < SIZE_OFFSET + SIZE_BYTES - 8; i++) {
                if (h[i] != 0) {
                    throw new IllegalArgumentException("tar entry size beyond 2^63 bytes");
                }
            }
            long size = b.getLong();
            if (size < 0) {
                throw new IllegalArgumentException("negative tar entry size");
            }
            return size;
        }
        return parseOctal(h, SIZE_OFFSET, SIZE_BYTES);
    }

    /** Octal digits, right-aligned with leading zeros, then a NUL. */
    private static void octal(byte[] h, int offset, int length, long value) {
        String digits = Long.toOctalString(value);
        if (digits.length() > length - 1) {
            throw new IllegalArgumentException(value + " does not fit a " + length + "-byte tar field");
        }
        String padded = "0".repeat(length - 1 - digits.length()) + digits;
        System.arraycopy(padded.getBytes(StandardCharsets.US_ASCII), 0, h, offset, length - 1);
        h[offset + length - 1] = 0;
    }

    private static long parseOctal(byte[] h, int offset, int length) {
        long value = 0;
        boolean digits = false;
        for (int i = offset; i < offset + length; i++) {
            byte b = h[i];
            if (b == 0 || b == ' ') {
                if (digits) {
                    break;
                }
                continue;
            }
            if (b < '0' || b > '7') {
                throw new IllegalArgumentException("bad octal digit in a tar header field");
            }
            digits = true;
            value = (value << 3) + (b - '0');
        }
        if (!digits) {
            throw new IllegalArgumentException("empty numeric field in a tar header");
        }
        return value;
    }
}
