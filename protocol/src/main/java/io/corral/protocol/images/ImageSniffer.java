package io.corral.protocol.images;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Recognizes the image formats Corral accepts from their first bytes (magic numbers), so a non-image is refused
 * before it is uploaded or decoded. Sniffing says what a file claims to be, not that it decodes: the worker still
 * decodes under its own limits.
 *
 * <p>Names returned: {@code jpeg}, {@code png}, {@code gif}, {@code bmp}, {@code tiff}, {@code webp}; they match the
 * lower-case names of {@link io.corral.protocol.ops.Operation.Format}.
 */
public final class ImageSniffer {
    /** Bytes of the head that {@link #detect(byte[])} looks at; fewer are fine, more are ignored. */
    public static final int HEAD_BYTES = 32;

    private static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    private static final byte[] GIF87A = ascii("GIF87a");
    private static final byte[] GIF89A = ascii("GIF89a");
    private static final byte[] TIFF_LE = {'I', 'I', 0x2A, 0x00};
    private static final byte[] TIFF_BE = {'M', 'M', 0x00, 0x2A};
    private static final byte[] RIFF = ascii("RIFF");
    private static final byte[] WEBP = ascii("WEBP");

    /** BMP file header (14 bytes) plus the size field of the DIB header that follows it. */
    private static final int BMP_MIN_HEAD_BYTES = 18;

    private ImageSniffer() {}

    /**
     * Detects the format from the first bytes of a file.
     *
     * @param head the first bytes (at least {@link #HEAD_BYTES} for every format to be recognizable)
     * @return the format name, or empty when the bytes match no accepted format
     */
    public static Optional<String> detect(byte[] head) {
        if (startsWith(head, JPEG)) {
            return Optional.of("jpeg");
        }
        if (startsWith(head, PNG)) {
            return Optional.of("png");
        }
        if (startsWith(head, GIF87A) || startsWith(head, GIF89A)) {
            return Optional.of("gif");
        }
        if (startsWith(head, TIFF_LE) || startsWith(head, TIFF_BE)) {
            return Optional.of("tiff");
        }
        if (startsWith(head, RIFF) && regionMatches(head, 8, WEBP)) {
            return Optional.of("webp");
        }
        if (isPlausibleBmp(head)) {
            return Optional.of("bmp");
        }
        return Optional.empty();
    }

    /**
     * Reads the head of {@code file} and detects its format.
     *
     * @throws IOException if the file cannot be read
     */
    public static Optional<String> detect(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return detect(in.readNBytes(HEAD_BYTES));
        }
    }

    /**
     * "BM" alone is two printable letters that many text files start with, so the header must also look like a
     * BMP: a known DIB header size and a pixel-data offset that lies behind both headers.
     */
    private static boolean isPlausibleBmp(byte[] head) {
        if (head.length < BMP_MIN_HEAD_BYTES || head[0] != 'B' || head[1] != 'M') {
            return false;
        }
        long pixelOffset = uint32le(head, 10);
        long dibHeaderBytes = uint32le(head, 14);
        boolean knownDib = dibHeaderBytes == 12
                || dibHeaderBytes == 40
                || dibHeaderBytes == 52
                || dibHeaderBytes == 56
                || dibHeaderBytes == 64
                || dibHeaderBytes == 108
                || dibHeaderBytes == 124;
        return knownDib && pixelOffset >= 14 + dibHeaderBytes;
    }

    private static long uint32le(byte[] b, int at) {
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }

    private static boolean startsWith(byte[] head, byte[] magic) {
        return regionMatches(head, 0, magic);
    }

    private static boolean regionMatches(byte[] head, int at, byte[] magic) {
        if (head.length < at + magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (head[at + i] != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
