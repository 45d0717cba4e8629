package io.corral.worker.pipeline.internal;

import io.corral.protocol.ops.Operation.Format;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriter;

/**
 * Chooses the ImageIO reader and writer for each format explicitly instead of taking whichever registered first, so
 * the behaviour does not depend on class-path order.
 */
final class Codecs {
    static final String TWELVEMONKEYS = "com.twelvemonkeys.";
    static final String JDK = "com.sun.imageio.";
    /** The webp-imageio plugin wraps native libwebp. It only ever encodes our own pixels; see {@link #reader}. */
    static final String LUCIAD = "com.luciad.imageio.webp.";

    static {
        // Without this, ImageIO may spill decoding buffers to temp files: slower, and disk use an attacker controls.
        ImageIO.setUseCache(false);
    }

    private Codecs() {}

    /**
     * A reader for a format, or null. Hostile files are only ever decoded by pure-Java readers (TwelveMonkeys for
     * JPEG, TIFF, BMP and WebP; the JDK for PNG and GIF): a bug in native code could crash the whole worker.
     */
    static ImageReader reader(Format format) {
        String preferred = format == Format.PNG || format == Format.GIF ? JDK : TWELVEMONKEYS;
        ImageReader fallback = null;
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(name(format)); it.hasNext(); ) {
            ImageReader reader = it.next();
            String cls = reader.getClass().getName();
            if (cls.startsWith(preferred)) {
                return reader;
            }
            if (fallback == null && !cls.startsWith(LUCIAD)) {
                fallback = reader;
            }
        }
        return fallback;
    }

    /** A writer for a format, or null: TwelveMonkeys for TIFF, webp-imageio for WebP, the JDK for the rest. */
    static ImageWriter writer(Format format) {
        String preferred = format == Format.TIFF ? TWELVEMONKEYS : format == Format.WEBP ? LUCIAD : JDK;
        ImageWriter fallback = null;
        for (Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName(name(format)); it.hasNext(); ) {
            ImageWriter writer = it.next();
            if (writer.getClass().getName().startsWith(preferred)) {
                return writer;
            }
            if (fallback == null) {
                fallback = writer;
            }
        }
        return fallback;
    }

    static String name(Format format) {
        return format.name().toLowerCase(Locale.ROOT);
    }
}
