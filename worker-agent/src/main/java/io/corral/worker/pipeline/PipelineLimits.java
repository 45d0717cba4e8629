package io.corral.worker.pipeline;

/**
 * The limits every run is checked against. Input limits are checked from the file header before any pixel is
 * decoded; the pixel limit is checked again for every intermediate image an operation would produce.
 *
 * @param maxPixels largest width × height decoded or produced (default 50,000,000)
 * @param maxInputBytes largest input accepted (default 50 MiB)
 * @param maxFrames most frames/pages a file may declare (default 100); only the first is processed. It bounds the
 *     work of counting frames and refuses files that are clearly not a still image, while animated GIFs and
 *     multi-page TIFFs of ordinary length are accepted (first frame/page kept).
 * @param maxOutputBytes largest encoded result (default 100 MiB); encoding stops as soon as it is exceeded
 */
public record PipelineLimits(long maxPixels, long maxInputBytes, int maxFrames, long maxOutputBytes) {
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;
    public static final long DEFAULT_MAX_INPUT_BYTES = 50L * 1024 * 1024;
    public static final int DEFAULT_MAX_FRAMES = 100;
    public static final long DEFAULT_MAX_OUTPUT_BYTES = 100L * 1024 * 1024;

    /** Java arrays end at 2^31-1 elements; an image buffer larger than that could not be allocated anyway. */
    private static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

    public PipelineLimits {
        if (maxPixels < 1 || maxPixels > MAX_ARRAY_BYTES / 4) {
            throw new IllegalArgumentException(
                    "maxPixels must be between 1 and " + MAX_ARRAY_BYTES / 4 + ": " + maxPixels);
        }
        if (maxInputBytes < 1 || maxInputBytes > MAX_ARRAY_BYTES) {
            throw new IllegalArgumentException(
                    "maxInputBytes must be between 1 and " + MAX_ARRAY_BYTES + ": " + maxInputBytes);
        }
        if (maxFrames < 1) {
            throw new IllegalArgumentException("maxFrames must be at least 1: " + maxFrames);
        }
        if (maxOutputBytes < 1 || maxOutputBytes > MAX_ARRAY_BYTES) {
            throw new IllegalArgumentException(
                    "maxOutputBytes must be between 1 and " + MAX_ARRAY_BYTES + ": " + maxOutputBytes);
        }
    }

    public static PipelineLimits defaults() {
        return new PipelineLimits(
                DEFAULT_MAX_PIXELS, DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_FRAMES, DEFAULT_MAX_OUTPUT_BYTES);
    }

    public PipelineLimits withMaxPixels(long value) {
        return new PipelineLimits(value, maxInputBytes, maxFrames, maxOutputBytes);
    }

    public PipelineLimits withMaxInputBytes(long value) {
        return new PipelineLimits(maxPixels, value, maxFrames, maxOutputBytes);
    }

    public PipelineLimits withMaxFrames(int value) {
        return new PipelineLimits(maxPixels, maxInputBytes, value, maxOutputBytes);
    }

    public PipelineLimits withMaxOutputBytes(long value) {
        return new PipelineLimits(maxPixels, maxInputBytes, maxFrames, value);
    }
}
