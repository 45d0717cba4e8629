package io.corral.worker.pipeline.internal;

import io.corral.protocol.ops.Operation;
import io.corral.protocol.ops.Operation.Fit;
import io.corral.worker.pipeline.PipelineException;
import io.corral.worker.pipeline.PipelineException.Reason;
import io.corral.worker.pipeline.PipelineLimits;
import java.awt.image.BufferedImage;

/** Applies one pixel operation to a working image. */
final class Steps {
    private Steps() {}

    /**
     * @param logicalW the width the operation should consider the image to have (larger than the actual width when
     *     the decoder subsampled it ahead of a reduction), and likewise {@code logicalH}
     */
    static BufferedImage apply(BufferedImage image, Operation op, int logicalW, int logicalH, PipelineLimits limits)
            throws PipelineException {
        try {
            return dispatch(image, op, logicalW, logicalH, limits);
        } catch (OutOfMemoryError e) {
            // The pixel limit bounds every image, so this means the heap is too small for the configured slots;
            // failing this task keeps the worker and its other tasks alive.
            throw new PipelineException(
                    Reason.OPERATION_FAILED,
                    "'" + op.canonical() + "' ran out of memory; the worker heap is too small"
                            + " for its slots and pixel limit");
        }
    }

    private static BufferedImage dispatch(
            BufferedImage image, Operation op, int logicalW, int logicalH, PipelineLimits limits)
            throws PipelineException {
        if (op instanceof Operation.Resize) {
            Operation.Resize r = (Operation.Resize) op;
            return Geometry.resize(image, Geometry.plan(logicalW, logicalH, r), limits.maxPixels(), r.canonical());
        }
        if (op instanceof Operation.Thumbnail) {
            int n = ((Operation.Thumbnail) op).size();
            Operation.Resize r = new Operation.Resize(n, n, Fit.FIT, false);
            return Geometry.resize(image, Geometry.plan(logicalW, logicalH, r), limits.maxPixels(), op.canonical());
        }
        if (op instanceof Operation.Crop) {
            return Geometry.crop(image, (Operation.Crop) op);
        }
        if (op instanceof Operation.Rotate) {
            return Geometry.remap(image, Geometry.forRotation(((Operation.Rotate) op).degrees()));
        }
        if (op instanceof Operation.Flip) {
            boolean horizontal = ((Operation.Flip) op).axis() == Operation.Axis.H;
            return Geometry.remap(image, horizontal ? Geometry.Remap.FLIP_H : Geometry.Remap.FLIP_V);
        }
        if (op instanceof Operation.Grayscale) {
            return Filters.grayscale(image);
        }
        if (op instanceof Operation.Blur) {
            return Filters.blur(image, ((Operation.Blur) op).sigma());
        }
        if (op instanceof Operation.Sharpen) {
            return Filters.sharpen(image);
        }
        if (op instanceof Operation.Watermark) {
            return Watermarks.draw(image, (Operation.Watermark) op);
        }
        throw new IllegalArgumentException("not a pixel operation: " + op.canonical());
    }
}
