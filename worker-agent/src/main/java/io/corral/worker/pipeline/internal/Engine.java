package io.corral.worker.pipeline.internal;

import io.corral.protocol.images.ImageSniffer;
import io.corral.protocol.ops.Operation;
import io.corral.protocol.ops.Operation.Format;
import io.corral.worker.pipeline.PipelineException;
import io.corral.worker.pipeline.PipelineException.Reason;
import io.corral.worker.pipeline.PipelineLimits;
import io.corral.worker.pipeline.PipelineResult;
import io.corral.worker.pipeline.ProgressListener;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;

/**
 * One run: sniff, decode under limits, orient, apply the operations in order, encode. Holds only the limits, so one
 * instance serves any number of threads.
 */
public final class Engine {
    private static final int DECODED_PERCENT = 20;
    private static final int OPERATIONS_DONE_PERCENT = 90;

    static {
        // A worker never has a display; without this, AWT may try to reach one when it first draws text.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private final PipelineLimits limits;

    public Engine(PipelineLimits limits) {
        this.limits = limits;
    }

    public PipelineResult run(byte[] input, List<Operation> ops, ProgressListener progress) throws PipelineException {
        Format inputFormat = sniff(input);
        Plan plan = Plan.of(ops, inputFormat);
        int orientation = Exif.orientation(input, inputFormat);
        Decoder.Decoded decoded = Decoder.decode(input, inputFormat, limits, plan.minSideNeeded());
        checkCancelled();
        BufferedImage image = Pixels.toWorkingSrgb(decoded.image());
        Geometry.Remap orient = Geometry.forExifOrientation(orientation);
        int logicalW = decoded.width();
        int logicalH = decoded.height();
        if (orient != null) {
            image = Geometry.remap(image, orient);
            if (orient.swapsAxes()) {
                logicalW = decoded.height();
                logicalH = decoded.width();
            }
        }
        progress.onProgress(
                DECODED_PERCENT,
                "decoded " + decoded.width() + "x" + decoded.height() + " " + Codecs.name(inputFormat)
                        + (orientation != 1 ? ", EXIF orientation " + orientation + " applied" : ""));
        for (int i = 0; i < plan.steps().size(); i++) {
            checkCancelled();
            Operation step = plan.steps().get(i);
            image = i == 0
                    ? Steps.apply(image, step, logicalW, logicalH, limits)
                    : Steps.apply(image, step, image.getWidth(), image.getHeight(), limits);
            int percent = DECODED_PERCENT
                    + (OPERATIONS_DONE_PERCENT - DECODED_PERCENT)
                            * (i + 1)
                            / plan.steps().size();
            progress.onProgress(percent, step.canonical());
        }
        checkCancelled();
        byte[] exif = plan.keepMetadata() ? Exif.forOutput(input, inputFormat) : null;
        byte[] out = Encoder.encode(image, plan.outputFormat(), plan.quality(), exif, limits.maxOutputBytes());
        progress.onProgress(
                100,
                "encoded " + image.getWidth() + "x" + image.getHeight() + " " + Codecs.name(plan.outputFormat()) + ", "
                        + out.length + " bytes");
        return new PipelineResult(out, plan.outputFormat(), image.getWidth(), image.getHeight());
    }

    private static Format sniff(byte[] input) throws PipelineException {
        Optional<String> name =
                ImageSniffer.detect(Arrays.copyOf(input, Math.min(input.length, ImageSniffer.HEAD_BYTES)));
        if (name.isEmpty()) {
            throw new PipelineException(
                    Reason.NOT_AN_IMAGE,
                    input.length == 0
                            ? "the input is empty (0 bytes)"
                            : "the " + input.length
                                    + " bytes match no accepted format (jpeg, png, gif, bmp, tiff, webp)");
        }
        return Format.valueOf(name.get().toUpperCase(Locale.ROOT));
    }

    private static void checkCancelled() {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("image pipeline interrupted");
        }
    }

    /**
     * The operations sorted into what they are: pixel steps (in order), and settings that apply to the whole run. An
     * explicit {@code auto-orient} is accepted and does nothing more: orientation is always applied first.
     */
    record Plan(List<Operation> steps, Format outputFormat, int quality, boolean keepMetadata) {
        static Plan of(List<Operation> ops, Format inputFormat) {
            List<Operation> steps = new ArrayList<>();
            Format format = inputFormat;
            int quality = 0;
            boolean keep = false;
            for (Operation op : ops) {
                if (op instanceof Operation.Convert) {
                    format = ((Operation.Convert) op).format();
                    quality = ((Operation.Convert) op).quality();
                } else if (op instanceof Operation.KeepMetadata) {
                    keep = true;
                } else if (!(op instanceof Operation.AutoOrient)) {
                    steps.add(op);
                }
            }
            return new Plan(List.copyOf(steps), format, quality, keep);
        }

        /** The decoder may subsample when the first step reduces the image to at most this many pixels a side. */
        int minSideNeeded() {
            if (steps.isEmpty()) {
                return 0;
            }
            Operation first = steps.get(0);
            if (first instanceof Operation.Thumbnail) {
                return ((Operation.Thumbnail) first).size();
            }
            if (first instanceof Operation.Resize) {
                Operation.Resize r = (Operation.Resize) first;
                return Math.max(r.width(), r.height());
            }
            return 0;
        }
    }
}
