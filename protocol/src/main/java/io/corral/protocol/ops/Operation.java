package io.corral.protocol.ops;

import java.util.Locale;
import java.util.Objects;

/**
 * One step of an image pipeline, as written on the command line and stored with a job ({@code resize:800x600,fit}).
 * {@link #parse} is the grammar: it is applied at submit time by the CLI and again by the coordinator, so a job never
 * enters the queue with an operation a worker cannot run. {@link #canonical()} is the normalized text stored.
 */
public sealed interface Operation {

    /** The normalized text of this operation; {@code parse(op.canonical())} returns an equal operation. */
    String canonical();

    enum Fit {
        /** Fit inside the box, keep the aspect ratio (the default). */
        FIT,
        /** Cover the box and crop the overflow. */
        FILL,
        /** Stretch to the exact box. */
        FORCE
    }

    enum Axis {
        H,
        V
    }

    enum Format {
        JPEG,
        PNG,
        WEBP,
        GIF,
        BMP,
        TIFF
    }

    enum Position {
        NORTHWEST,
        NORTH,
        NORTHEAST,
        WEST,
        CENTER,
        EAST,
        SOUTHWEST,
        SOUTH,
        SOUTHEAST
    }

    record Resize(int width, int height, Fit fit, boolean upscale) implements Operation {
        public String canonical() {
            return "resize:" + width + "x" + height + "," + fit.name().toLowerCase(Locale.ROOT)
                    + (upscale ? "" : ",no-upscale");
        }
    }

    record Thumbnail(int size) implements Operation {
        public String canonical() {
            return "thumbnail:" + size;
        }
    }

    record Crop(int width, int height, int x, int y) implements Operation {
        public String canonical() {
            return "crop:" + width + "x" + height + "+" + x + "+" + y;
        }
    }

    record Rotate(int degrees) implements Operation {
        public String canonical() {
            return "rotate:" + degrees;
        }
    }

    record AutoOrient() implements Operation {
        public String canonical() {
            return "auto-orient";
        }
    }

    record Flip(Axis axis) implements Operation {
        public String canonical() {
            return "flip:" + axis.name().toLowerCase(Locale.ROOT);
        }
    }

    record Grayscale() implements Operation {
        public String canonical() {
            return "grayscale";
        }
    }

    record Blur(double sigma) implements Operation {
        public String canonical() {
            return "blur:" + OperationParser.formatDecimal(sigma);
        }
    }

    record Sharpen() implements Operation {
        public String canonical() {
            return "sharpen";
        }
    }

    record Watermark(String text, Position position) implements Operation {
        public Watermark {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(position, "position");
        }

        public String canonical() {
            return "watermark:" + text + "," + position.name().toLowerCase(Locale.ROOT);
        }
    }

    /** Output format; {@code quality} is 1..100, or 0 for the encoder's default. */
    record Convert(Format format, int quality) implements Operation {
        public String canonical() {
            return "format:" + format.name().toLowerCase(Locale.ROOT) + (quality > 0 ? ",q=" + quality : "");
        }
    }

    record KeepMetadata() implements Operation {
        public String canonical() {
            return "keep-metadata";
        }
    }

    /**
     * Parses one operation.
     *
     * @throws InvalidOperationException naming the operation and what is wrong with it
     */
    static Operation parse(String text) {
        return OperationParser.parse(text);
    }
}
