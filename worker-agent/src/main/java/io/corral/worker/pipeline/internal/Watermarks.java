package io.corral.worker.pipeline.internal;

import io.corral.protocol.ops.Operation;
import io.corral.protocol.ops.Operation.Position;
import io.corral.worker.pipeline.PipelineException;
import io.corral.worker.pipeline.PipelineException.Reason;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.font.TextLayout;
import java.awt.geom.AffineTransform;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;

/**
 * Draws watermark text: white, slightly translucent, with a dark outline, so it reads on light and dark images alike.
 * The text height is {@value #HEIGHT_FRACTION} of the image's shorter side (at least {@value #MIN_FONT_PX} px), shrunk
 * until the text fits within {@value #MAX_WIDTH_FRACTION} of the image width; the margin is half the font size.
 */
final class Watermarks {
    static final float HEIGHT_FRACTION = 0.06f;
    static final float MAX_WIDTH_FRACTION = 0.9f;
    static final int MIN_FONT_PX = 10;

    private Watermarks() {}

    static BufferedImage draw(BufferedImage src, Operation.Watermark op) throws PipelineException {
        BufferedImage dst = Geometry.copy(src, 0, 0, src.getWidth(), src.getHeight());
        Graphics2D g = dst.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            float size = Math.max(MIN_FONT_PX, Math.min(dst.getWidth(), dst.getHeight()) * HEIGHT_FRACTION);
            TextLayout layout = layout(g, op.text(), size);
            Rectangle2D bounds = layout.getBounds();
            float maxWidth = dst.getWidth() * MAX_WIDTH_FRACTION;
            if (bounds.getWidth() > maxWidth) {
                size = (float) Math.max(1, size * maxWidth / bounds.getWidth());
                layout = layout(g, op.text(), size);
                bounds = layout.getBounds();
            }
            float margin = size / 2;
            double left = column(op.position(), dst.getWidth(), bounds.getWidth(), margin);
            double top = row(op.position(), dst.getHeight(), bounds.getHeight(), margin);
            Shape outline =
                    layout.getOutline(AffineTransform.getTranslateInstance(left - bounds.getX(), top - bounds.getY()));
            g.setStroke(new BasicStroke(Math.max(1f, size / 8), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.setColor(new Color(0, 0, 0, 170));
            g.draw(outline);
            g.setColor(new Color(255, 255, 255, 230));
            g.fill(outline);
        } catch (RuntimeException | LinkageError e) {
            // A host without fonts fails here; the message says so instead of a bare stack trace.
            throw new PipelineException(Reason.OPERATION_FAILED, "watermark could not be drawn: " + e, e);
        } finally {
            g.dispose();
        }
        return dst;
    }

    private static TextLayout layout(Graphics2D g, String text, float size) {
        Font font = new Font(Font.SANS_SERIF, Font.BOLD, 1).deriveFont(size);
        return new TextLayout(text, font, g.getFontRenderContext());
    }

    private static double column(Position p, int width, double textWidth, float margin) {
        switch (p) {
            case NORTHWEST:
            case WEST:
            case SOUTHWEST:
                return margin;
            case NORTH:
            case CENTER:
            case SOUTH:
                return (width - textWidth) / 2;
            default:
                return width - margin - textWidth;
        }
    }

    private static double row(Position p, int height, double textHeight, float margin) {
        switch (p) {
            case NORTHWEST:
            case NORTH:
            case NORTHEAST:
                return margin;
            case WEST:
            case CENTER:
            case EAST:
                return (height - textHeight) / 2;
            default:
                return height - margin - textHeight;
        }
    }
}
