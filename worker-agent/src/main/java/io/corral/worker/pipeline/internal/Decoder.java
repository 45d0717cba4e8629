package io.corral.worker.pipeline.internal;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import io.corral.protocol.ops.Operation.Format;
import io.corral.worker.pipeline.PipelineException;
import io.corral.worker.pipeline.PipelineException.Reason;
import io.corral.worker.pipeline.PipelineLimits;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Locale;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;

/**
 * Decodes the first frame of an image, after checking what its header declares against the limits. Nothing is
 * allocated for pixels until the header has passed.
 */
final class Decoder {
    /** Decoding with subsampling keeps at least this many source pixels per output pixel for the resampler. */
    static final int SUBSAMPLING_MARGIN = 3;

    private Decoder() {}

    /** What the header declares and the decoded first frame (possibly subsampled). */
    record Decoded(BufferedImage image, int width, int height, int frames) {}

    /**
     * @param minSideNeeded when above 0, the decoder may subsample as long as the decoded image's shorter side stays
     *     at least {@link #SUBSAMPLING_MARGIN} times this (the first operation is a reduction to this size)
     */
    static Decoded decode(byte[] data, Format format, PipelineLimits limits, int minSideNeeded)
            throws PipelineException {
        ImageReader reader = Codecs.reader(format);
        if (reader == null) {
            throw new PipelineException(Reason.UNSUPPORTED, "no decoder for " + Codecs.name(format) + " is installed");
        }
        TruncationWatch watch = new TruncationWatch();
        try (ByteArrayImageInputStream in = new ByteArrayImageInputStream(data)) {
            reader.setInput(in, false, true);
            reader.addIIOReadWarningListener(watch);
            int frames = countFrames(reader, format, limits);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            checkDeclaredSize(format, width, height, limits);
            ImageReadParam param = reader.getDefaultReadParam();
            int factor = subsampling(width, height, minSideNeeded);
            if (factor > 1) {
                param.setSourceSubsampling(factor, factor, 0, 0);
            }
            BufferedImage image = reader.read(0, param);
            if (watch.truncation != null) {
                throw new PipelineException(
                        Reason.CORRUPT, "the " + Codecs.name(format) + " file is truncated: " + watch.truncation);
            }
            return new Decoded(image, width, height, frames);
        } catch (PipelineException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Readers report damaged data with any exception type (IIOException, IndexOutOfBounds, NegativeArraySize).
            throw new PipelineException(
                    Reason.CORRUPT, "cannot decode the " + Codecs.name(format) + " file: " + describe(e), e);
        } finally {
            reader.dispose();
        }
    }

    /**
     * JPEG has exactly one frame to us; counting would make readers search for embedded images (MPO, thumbnails).
     * For the other formats, readers walk the frame headers (GIF blocks, TIFF IFDs) without decoding pixels.
     */
    private static int countFrames(ImageReader reader, Format format, PipelineLimits limits)
            throws IOException, PipelineException {
        if (format == Format.JPEG || format == Format.PNG || format == Format.BMP) {
            return 1;
        }
        int frames = reader.getNumImages(true);
        if (frames < 1) {
            throw new PipelineException(Reason.CORRUPT, "the " + Codecs.name(format) + " file holds no image");
        }
        if (frames > limits.maxFrames()) {
            throw new PipelineException(
                    Reason.TOO_MANY_FRAMES, "image declares " + frames + " frames; the limit is " + limits.maxFrames());
        }
        return frames;
    }

    private static void checkDeclaredSize(Format format, int width, int height, PipelineLimits limits)
            throws PipelineException {
        if (width < 1 || height < 1) {
            throw new PipelineException(
                    Reason.CORRUPT, "the " + Codecs.name(format) + " header declares " + width + "x" + height);
        }
        long pixels = (long) width * height;
        if (pixels > limits.maxPixels()) {
            throw new PipelineException(
                    Reason.TOO_MANY_PIXELS,
                    "image declares " + width + "x" + height + " = " + pixels + " pixels; the limit is "
                            + limits.maxPixels());
        }
    }

    static int subsampling(int width, int height, int minSideNeeded) {
        if (minSideNeeded <= 0) {
            return 1;
        }
        return Math.max(1, Math.min(width, height) / (SUBSAMPLING_MARGIN * minSideNeeded));
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /**
     * Readers deliver a truncated file as a warning and return the partial image, grey or black below the cut. That is
     * a broken result, so it fails. Other warnings (such as extraneous bytes between JPEG markers, common in camera
     * files that every viewer shows fine) are not.
     */
    private static final class TruncationWatch implements IIOReadWarningListener {
        volatile String truncation;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            String w = warning == null ? "" : warning.toLowerCase(Locale.ROOT);
            if (w.contains("truncat") || w.contains("premature end") || w.contains("missing eoi")) {
                truncation = warning;
            }
        }
    }
}
