package io.corral.worker.pipeline.internal;

import io.corral.protocol.ops.Operation.Format;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * Reads and writes just enough of EXIF (a TIFF structure) for the pipeline: the orientation tag, and the block kept by
 * {@code keep-metadata}. Everything is parsed from the raw bytes with bounds checks; a damaged EXIF block is ignored
 * (treated as absent), never a reason to fail an image that decodes.
 */
final class Exif {
    private static final byte[] EXIF_HEADER = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final int TAG_ORIENTATION = 0x0112;
    private static final int TAG_THUMBNAIL_OFFSET = 0x0201;
    private static final int TAG_THUMBNAIL_LENGTH = 0x0202;
    /** An IFD with more entries than this is damaged; the largest real ones hold a few dozen. */
    private static final int MAX_IFD_ENTRIES = 1000;
    /** A JPEG segment's length field is 16 bits and counts itself and the 6-byte EXIF header. */
    private static final int MAX_JPEG_EXIF_BYTES = 0xFFFF - 2 - 6;

    private Exif() {}

    /** The EXIF orientation 1..8 of a JPEG or TIFF file; 1 when absent or unreadable. */
    static int orientation(byte[] file, Format format) {
        byte[] tiff = format == Format.JPEG ? jpegExif(file) : format == Format.TIFF ? file : null;
        if (tiff == null) {
            return 1;
        }
        try {
            Tiff t = new Tiff(tiff);
            int at = t.findEntry(t.u32(4), TAG_ORIENTATION);
            int value = at < 0 ? 1 : t.u16(at + 8);
            return value >= 1 && value <= 8 ? value : 1;
        } catch (IndexOutOfBoundsException e) {
            return 1;
        }
    }

    /**
     * The EXIF block of a JPEG input, ready to go with the output: orientation set to 1 (the pixels are upright now)
     * and the embedded thumbnail removed (it shows the original, uncropped image). Null when there is none.
     */
    static byte[] forOutput(byte[] file, Format format) {
        byte[] tiff = format == Format.JPEG ? jpegExif(file) : null;
        if (tiff == null) {
            return null;
        }
        try {
            Tiff t = new Tiff(tiff.clone());
            long ifd0 = t.u32(4);
            int orientation = t.findEntry(ifd0, TAG_ORIENTATION);
            if (orientation >= 0) {
                t.put16(orientation + 8, 1);
            }
            int next = (int) ifd0 + 2 + 12 * t.u16((int) ifd0);
            long ifd1 = t.u32(next);
            if (ifd1 != 0) {
                t.eraseThumbnail(ifd1);
                t.put32(next, 0);
            }
            return t.bytes;
        } catch (IndexOutOfBoundsException e) {
            return null;
        }
    }

    /** The TIFF structure inside a JPEG's APP1 "Exif" segment, searched for before the image data. */
    static byte[] jpegExif(byte[] jpeg) {
        int at = 2;
        while (at + 4 <= jpeg.length && (jpeg[at] & 0xFF) == 0xFF) {
            int marker = jpeg[at + 1] & 0xFF;
            if (marker == 0xDA || marker == 0xD9) {
                return null;
            }
            int length = (jpeg[at + 2] & 0xFF) << 8 | (jpeg[at + 3] & 0xFF);
            int payload = at + 4;
            int end = at + 2 + length;
            if (length < 2 || end > jpeg.length) {
                return null;
            }
            if (marker == 0xE1 && startsWith(jpeg, payload, EXIF_HEADER)) {
                return Arrays.copyOfRange(jpeg, payload + EXIF_HEADER.length, end);
            }
            at = end;
        }
        return null;
    }

    /** Inserts an APP1 EXIF segment after SOI and after a JFIF APP0 segment if there is one. */
    static byte[] insertIntoJpeg(byte[] jpeg, byte[] tiff) {
        if (tiff.length > MAX_JPEG_EXIF_BYTES) {
            return jpeg;
        }
        int at = 2;
        if (jpeg.length > 6 && (jpeg[2] & 0xFF) == 0xFF && (jpeg[3] & 0xFF) == 0xE0) {
            at = 4 + ((jpeg[4] & 0xFF) << 8 | (jpeg[5] & 0xFF));
        }
        int length = 2 + EXIF_HEADER.length + tiff.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream(jpeg.length + length + 2);
        out.write(jpeg, 0, at);
        out.write(0xFF);
        out.write(0xE1);
        out.write(length >> 8);
        out.write(length & 0xFF);
        out.writeBytes(EXIF_HEADER);
        out.writeBytes(tiff);
        out.write(jpeg, at, jpeg.length - at);
        return out.toByteArray();
    }

    /** Inserts an eXIf chunk right after IHDR (it must come before IDAT). */
    static byte[] insertIntoPng(byte[] png, byte[] tiff) {
        int afterIhdr = 8 + 4 + 4 + 13 + 4;
        byte[] type = "eXIf".getBytes(StandardCharsets.ISO_8859_1);
        CRC32 crc = new CRC32();
        crc.update(type);
        crc.update(tiff);
        ByteArrayOutputStream out = new ByteArrayOutputStream(png.length + tiff.length + 12);
        out.write(png, 0, afterIhdr);
        writeInt(out, tiff.length);
        out.writeBytes(type);
        out.writeBytes(tiff);
        writeInt(out, (int) crc.getValue());
        out.write(png, afterIhdr, png.length - afterIhdr);
        return out.toByteArray();
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16 & 0xFF);
        out.write(v >>> 8 & 0xFF);
        out.write(v & 0xFF);
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (at + prefix.length > b.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** A TIFF structure; every read past its end throws IndexOutOfBoundsException. */
    private static final class Tiff {
        final byte[] bytes;
        final boolean littleEndian;

        Tiff(byte[] bytes) {
            this.bytes = bytes;
            if (bytes.length < 8 || bytes[0] != bytes[1] || (bytes[0] != 'I' && bytes[0] != 'M')) {
                throw new IndexOutOfBoundsException("not a TIFF header");
            }
            this.littleEndian = bytes[0] == 'I';
        }

        /** The offset of the 12-byte entry for {@code tag} in the IFD at {@code ifd}, or -1. */
        int findEntry(long ifd, int tag) {
            int count = u16(checked(ifd));
            if (count > MAX_IFD_ENTRIES) {
                throw new IndexOutOfBoundsException("IFD with " + count + " entries");
            }
            for (int i = 0; i < count; i++) {
                int entry = (int) ifd + 2 + 12 * i;
                if (u16(entry) == tag) {
                    return entry;
                }
            }
            return -1;
        }

        void eraseThumbnail(long ifd1) {
            int offsetEntry = findEntry(ifd1, TAG_THUMBNAIL_OFFSET);
            int lengthEntry = findEntry(ifd1, TAG_THUMBNAIL_LENGTH);
            if (offsetEntry < 0 || lengthEntry < 0) {
                return;
            }
            long from = u32(offsetEntry + 8);
            long to = from + u32(lengthEntry + 8);
            if (from >= 0 && to <= bytes.length) {
                Arrays.fill(bytes, (int) from, (int) to, (byte) 0);
            }
        }

        int u16(int at) {
            int a = bytes[at] & 0xFF;
            int b = bytes[at + 1] & 0xFF;
            return littleEndian ? b << 8 | a : a << 8 | b;
        }

        long u32(int at) {
            long a = u16(at);
            long b = u16(at + 2);
            return littleEndian ? b << 16 | a : a << 16 | b;
        }

        void put16(int at, int v) {
            bytes[at] = (byte) (littleEndian ? v : v >> 8);
            bytes[at + 1] = (byte) (littleEndian ? v >> 8 : v);
        }

        void put32(int at, long v) {
            put16(littleEndian ? at : at + 2, (int) (v & 0xFFFF));
            put16(littleEndian ? at + 2 : at, (int) (v >>> 16));
        }

        private int checked(long offset) {
            if (offset < 0 || offset > bytes.length - 2) {
                throw new IndexOutOfBoundsException("offset " + offset);
            }
            return (int) offset;
        }
    }
}
