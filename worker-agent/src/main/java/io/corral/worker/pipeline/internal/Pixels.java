package io.corral.worker.pipeline.internal;

import io.corral.worker.pipeline.PipelineException;
import io.corral.worker.pipeline.PipelineException.Reason;
import java.awt.AlphaComposite;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.DataBufferInt;
import java.awt.image.IndexColorModel;
import java.awt.image.SinglePixelPackedSampleModel;

/**
 * The working representation: every operation sees a TYPE_INT_RGB or TYPE_INT_ARGB image in sRGB whose pixels are
 * one packed int each in a plain array, so operations can work on the array directly.
 */
final class Pixels {
    private Pixels() {}

    static BufferedImage create(int width, int height, boolean alpha) {
        return new BufferedImage(width, height, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    }

    static BufferedImage createLike(BufferedImage image, int width, int height) {
        return create(width, height, hasAlpha(image));
    }

    static boolean hasAlpha(BufferedImage image) {
        return image.getColorModel().hasAlpha();
    }

    /** The packed pixels of a working image, row by row, {@code width} ints a row. */
    static int[] data(BufferedImage working) {
        return ((DataBufferInt) working.getRaster().getDataBuffer()).getData();
    }

    /** Refuses to allocate an image above the pixel limit; {@code what} says which step would have produced it. */
    static void checkPixels(long width, long height, long maxPixels, String what) throws PipelineException {
        if (width < 1 || height < 1) {
            throw new PipelineException(
                    Reason.OPERATION_FAILED, what + " would produce an empty " + width + "x" + height + " image");
        }
        if (width * height > maxPixels) {
            throw new PipelineException(
                    Reason.TOO_MANY_PIXELS,
                    what + " would produce " + width + "x" + height + " = " + width * height + " pixels; the limit is "
                            + maxPixels);
        }
    }

    /**
     * Converts a decoded image to the working representation in sRGB. CMYK and ICC-profiled images go through the
     * colour management system; gray and indexed images keep their values (a gray of 128 stays 128,128,128, which
     * is what every viewer shows for an untagged gray file).
     */
    static BufferedImage toWorkingSrgb(BufferedImage src) {
        boolean alpha = hasAlpha(src);
        if (isWorking(src, alpha)) {
            return src;
        }
        BufferedImage dst = create(src.getWidth(), src.getHeight(), alpha);
        ColorSpace cs = src.getColorModel().getColorSpace();
        if (cs.isCS_sRGB() || cs.getType() == ColorSpace.TYPE_GRAY || src.getColorModel() instanceof IndexColorModel) {
            Graphics2D g = dst.createGraphics();
            try {
                g.setComposite(AlphaComposite.Src);
                g.drawImage(src, 0, 0, null);
            } finally {
                g.dispose();
            }
        } else {
            new ColorConvertOp(null).filter(src, dst);
        }
        return dst;
    }

    /** JPEG and BMP have no alpha: transparent areas become white, as browsers show them on a page. */
    static BufferedImage flattenOnWhite(BufferedImage working) {
        if (!hasAlpha(working)) {
            return working;
        }
        BufferedImage dst = create(working.getWidth(), working.getHeight(), false);
        Graphics2D g = dst.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, dst.getWidth(), dst.getHeight());
            g.drawImage(working, 0, 0, null);
        } finally {
            g.dispose();
        }
        return dst;
    }

    private static boolean isWorking(BufferedImage image, boolean alpha) {
        int expected = alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB;
        return image.getType() == expected
                && image.getRaster().getParent() == null
                && image.getRaster().getDataBuffer().getOffset() == 0
                && image.getSampleModel() instanceof SinglePixelPackedSampleModel
                && ((SinglePixelPackedSampleModel) image.getSampleModel()).getScanlineStride() == image.getWidth()
                && image.getRaster().getMinX() == 0
                && image.getRaster().getMinY() == 0;
    }
}
