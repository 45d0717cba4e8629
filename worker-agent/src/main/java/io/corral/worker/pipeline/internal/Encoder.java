package io.corral.worker.pipeline.internal;

import io.corral.protocol.ops.Operation.Format;
import io.corral.worker.pipeline.PipelineException;
import io.corral.worker.pipeline.PipelineException.Reason;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Arrays;
import javax.imageio.IIOImage;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;

/** Encodes a working image in an output format, within the output byte limit. */
final class Encoder {
    static final int DEFAULT_JPEG_QUALITY = 85;
    static final int DEFAULT_WEBP_QUALITY = 80;
    /** The largest side each format can hold; checked first so an encoder never sees an impossible image. */
    static final int MAX_JPEG_SIDE = 65_500;

    static final int MAX_WEBP_SIDE = 16_383;
    static final int MAX_GIF_SIDE = 65_535;

    private Encoder() {}

    /**
     * @param quality 1..100, or 0 for the format's default; only JPEG and WebP use it
     * @param exif a TIFF-structured EXIF block to embed (JPEG and PNG outputs only), or null
     */
    static byte[] encode(BufferedImage image, Format format, int quality, byte[] exif, long maxOutputBytes)
            throws PipelineException {
        checkSide(image, format);
        ImageWriter writer = Codecs.writer(format);
        if (writer == null) {
            throw new PipelineException(Reason.UNSUPPORTED, "no encoder for " + Codecs.name(format) + " is installed");
        }
        BufferedImage pixels = format == Format.JPEG || format == Format.BMP ? Pixels.flattenOnWhite(image) : image;
        BoundedImageOutputStream out = new BoundedImageOutputStream(maxOutputBytes);
        try {
            writer.setOutput(out);
            writer.write(null, new IIOImage(pixels, null, null), param(writer, format, quality));
            out.flush();
        } catch (BoundedImageOutputStream.LimitExceeded e) {
            throw new PipelineException(
                    Reason.TOO_LARGE,
                    "the encoded " + Codecs.name(format) + " exceeds the limit of " + maxOutputBytes + " bytes",
                    e);
        } catch (IOException | RuntimeException | LinkageError e) {
            // LinkageError: the native WebP library failed to load on this host.
            throw new PipelineException(Reason.UNSUPPORTED, "cannot encode as " + Codecs.name(format) + ": " + e, e);
        } finally {
            writer.dispose();
        }
        byte[] bytes = withExif(out.toByteArray(), format, exif);
        if (bytes.length > maxOutputBytes) {
            throw new PipelineException(
                    Reason.TOO_LARGE,
                    "the encoded " + Codecs.name(format) + " is " + bytes.length + " bytes; the limit is "
                            + maxOutputBytes);
        }
        return bytes;
    }

    private static void checkSide(BufferedImage image, Format format) throws PipelineException {
        int max = format == Format.JPEG
                ? MAX_JPEG_SIDE
                : format == Format.WEBP ? MAX_WEBP_SIDE : format == Format.GIF ? MAX_GIF_SIDE : Integer.MAX_VALUE;
        if (image.getWidth() > max || image.getHeight() > max) {
            throw new PipelineException(
                    Reason.OPERATION_FAILED,
                    Codecs.name(format) + " holds at most " + max + " pixels a side; the image is " + image.getWidth()
                            + "x" + image.getHeight());
        }
    }

    private static ImageWriteParam param(ImageWriter writer, Format format, int quality) {
        ImageWriteParam param = writer.getDefaultWriteParam();
        if (format == Format.JPEG) {
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality((quality > 0 ? quality : DEFAULT_JPEG_QUALITY) / 100f);
        } else if (format == Format.WEBP) {
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionType("Lossy");
            param.setCompressionQuality((quality > 0 ? quality : DEFAULT_WEBP_QUALITY) / 100f);
        } else if (format == Format.TIFF && param.canWriteCompressed()) {
            String[] types = param.getCompressionTypes();
            if (types != null && Arrays.asList(types).contains("LZW")) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionType("LZW");
            }
        }
        return param;
    }

    private static byte[] withExif(byte[] encoded, Format format, byte[] exif) {
        if (exif == null) {
            return encoded;
        }
        if (format == Format.JPEG) {
            return Exif.insertIntoJpeg(encoded, exif);
        }
        if (format == Format.PNG) {
            return Exif.insertIntoPng(encoded, exif);
        }
        return encoded;
    }
}
