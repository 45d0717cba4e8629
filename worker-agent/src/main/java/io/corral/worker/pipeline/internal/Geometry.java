package io.corral.worker.pipeline.internal;

import io.corral.protocol.ops.Operation;
import io.corral.protocol.ops.Operation.Fit;
import io.corral.worker.pipeline.PipelineException;
import io.corral.worker.pipeline.PipelineException.Reason;
import java.awt.image.BufferedImage;
import java.io.IOException;
import net.coobird.thumbnailator.Thumbnails;
import net.coobird.thumbnailator.resizers.configurations.Antialiasing;
import net.coobird.thumbnailator.resizers.configurations.Rendering;

/** Orientation, rotation, flips, crops and resizing of working images. */
final class Geometry {
    private Geometry() {}

    /** How an output pixel (x, y) of an image made from a {@code w}x{@code h} source maps to a source pixel. */
    enum Remap {
        FLIP_H,
        FLIP_V,
        ROTATE_90,
        ROTATE_180,
        ROTATE_270,
        TRANSPOSE,
        TRANSVERSE;

        boolean swapsAxes() {
            return this == ROTATE_90 || this == ROTATE_270 || this == TRANSPOSE || this == TRANSVERSE;
        }
    }

    /** The remap that shows an image upright for an EXIF orientation 1..8; null for 1 (already upright). */
    static Remap forExifOrientation(int orientation) {
        switch (orientation) {
            case 2:
                return Remap.FLIP_H;
            case 3:
                return Remap.ROTATE_180;
            case 4:
                return Remap.FLIP_V;
            case 5:
                return Remap.TRANSPOSE;
            case 6:
                return Remap.ROTATE_90;
            case 7:
                return Remap.TRANSVERSE;
            case 8:
                return Remap.ROTATE_270;
            default:
                return null;
        }
    }

    /** Rotations are clockwise. */
    static Remap forRotation(int degrees) {
        switch (degrees) {
            case 90:
                return Remap.ROTATE_90;
            case 180:
                return Remap.ROTATE_180;
            case 270:
                return Remap.ROTATE_270;
            default:
                throw new IllegalArgumentException("rotation must be 90, 180 or 270: " + degrees);
        }
    }

    static BufferedImage remap(BufferedImage src, Remap remap) {
        int w = src.getWidth();
        int h = src.getHeight();
        BufferedImage dst = remap.swapsAxes() ? Pixels.createLike(src, h, w) : Pixels.createLike(src, w, h);
        int[] in = Pixels.data(src);
        int[] out = Pixels.data(dst);
        int dw = dst.getWidth();
        int dh = dst.getHeight();
        for (int y = 0; y < dh; y++) {
            int row = y * dw;
            for (int x = 0; x < dw; x++) {
                out[row + x] = in[sourceIndex(remap, x, y, w, h)];
            }
        }
        return dst;
    }

    private static int sourceIndex(Remap remap, int x, int y, int w, int h) {
        switch (remap) {
            case FLIP_H:
                return y * w + (w - 1 - x);
            case FLIP_V:
                return (h - 1 - y) * w + x;
            case ROTATE_180:
                return (h - 1 - y) * w + (w - 1 - x);
            case ROTATE_90:
                return (h - 1 - x) * w + y;
            case ROTATE_270:
                return x * w + (w - 1 - y);
            case TRANSPOSE:
                return x * w + y;
            case TRANSVERSE:
                return (h - 1 - x) * w + (w - 1 - y);
            default:
                throw new AssertionError(remap);
        }
    }

    static BufferedImage crop(BufferedImage src, Operation.Crop crop) throws PipelineException {
        long right = (long) crop.x() + crop.width();
        long bottom = (long) crop.y() + crop.height();
        if (right > src.getWidth() || bottom > src.getHeight()) {
            throw new PipelineException(
                    Reason.OPERATION_FAILED,
                    "'" + crop.canonical() + "' reaches outside the " + src.getWidth() + "x" + src.getHeight()
                            + " image (to x=" + right + ", y=" + bottom + ")");
        }
        return copy(src, crop.x(), crop.y(), crop.width(), crop.height());
    }

    static BufferedImage copy(BufferedImage src, int x0, int y0, int width, int height) {
        BufferedImage dst = Pixels.createLike(src, width, height);
        int[] in = Pixels.data(src);
        int[] out = Pixels.data(dst);
        for (int y = 0; y < height; y++) {
            System.arraycopy(in, (y0 + y) * src.getWidth() + x0, out, y * width, width);
        }
        return dst;
    }

    /** The outcome of a resize computed from dimensions alone: scale to (scaleW, scaleH), then center-crop. */
    record Plan(int scaleW, int scaleH, int cropW, int cropH) {
        boolean isIdentity(int w, int h) {
            return scaleW == w && scaleH == h && cropW == w && cropH == h;
        }
    }

    /**
     * Plans a resize of a {@code w}x{@code h} image. fit: inside the box, aspect kept. fill: covers the box, aspect
     * kept, the overflow cropped around the centre. force: exactly the box. Without upscaling the scale factor is
     * capped at 1 (fit, fill) or each axis is capped at the source size (force); fill then crops to the part of the
     * box the image covers.
     */
    static Plan plan(int w, int h, Operation.Resize r) {
        if (r.fit() == Fit.FORCE) {
            int fw = r.upscale() ? r.width() : Math.min(r.width(), w);
            int fh = r.upscale() ? r.height() : Math.min(r.height(), h);
            return new Plan(fw, fh, fw, fh);
        }
        double sx = (double) r.width() / w;
        double sy = (double) r.height() / h;
        double scale = r.fit() == Fit.FIT ? Math.min(sx, sy) : Math.max(sx, sy);
        if (!r.upscale()) {
            scale = Math.min(scale, 1.0);
        }
        int sw = Math.max(1, (int) Math.round(w * scale));
        int sh = Math.max(1, (int) Math.round(h * scale));
        if (r.fit() == Fit.FIT) {
            return new Plan(sw, sh, sw, sh);
        }
        return new Plan(sw, sh, Math.min(sw, r.width()), Math.min(sh, r.height()));
    }

    /**
     * Resizes {@code src} following a plan made from its logical size (which differs from its actual size when the
     * decoder subsampled it).
     */
    static BufferedImage resize(BufferedImage src, Plan plan, long maxPixels, String what) throws PipelineException {
        Pixels.checkPixels(plan.scaleW(), plan.scaleH(), maxPixels, what);
        BufferedImage scaled = src;
        if (plan.scaleW() != src.getWidth() || plan.scaleH() != src.getHeight()) {
            scaled = scale(src, plan.scaleW(), plan.scaleH());
        }
        if (plan.cropW() == scaled.getWidth() && plan.cropH() == scaled.getHeight()) {
            return scaled;
        }
        return copy(
                scaled,
                (scaled.getWidth() - plan.cropW()) / 2,
                (scaled.getHeight() - plan.cropH()) / 2,
                plan.cropW(),
                plan.cropH());
    }

    /** Thumbnailator picks progressive bilinear steps for reductions, which keeps fine detail without aliasing. */
    private static BufferedImage scale(BufferedImage src, int width, int height) throws PipelineException {
        try {
            BufferedImage out = Thumbnails.of(src)
                    .forceSize(width, height)
                    .antialiasing(Antialiasing.ON)
                    .rendering(Rendering.QUALITY)
                    .imageType(Pixels.hasAlpha(src) ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB)
                    .asBufferedImage();
            return Pixels.toWorkingSrgb(out);
        } catch (IOException | RuntimeException e) {
            throw new PipelineException(
                    Reason.OPERATION_FAILED, "resizing to " + width + "x" + height + " failed: " + e.getMessage(), e);
        }
    }
}
