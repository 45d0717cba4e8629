package io.corral.worker.pipeline;

import java.util.Locale;
import java.util.Objects;

/**
 * The image cannot be processed. Every reason is a property of the input or of the operations, so running the same
 * task again gives the same answer: {@link #retryable()} is always false and the task should end FAILED. The message
 * starts with the reason and names the numbers involved.
 */
public final class PipelineException extends Exception {
    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** The bytes are not an image in any accepted format (empty, text, random bytes). */
        NOT_AN_IMAGE,
        /** The header declares more pixels than the limit (a decompression bomb), or an operation would. */
        TOO_MANY_PIXELS,
        /** The input, or the encoded output, has more bytes than the limit. */
        TOO_LARGE,
        /** The file declares more frames or pages than the limit. */
        TOO_MANY_FRAMES,
        /** The file claims a known format but cannot be decoded: truncated or damaged. */
        CORRUPT,
        /** A known format in a variant no installed decoder or encoder handles. */
        UNSUPPORTED,
        /** An operation cannot be applied to this image (a crop outside it, a size the format cannot hold). */
        OPERATION_FAILED
    }

    private final Reason reason;

    public PipelineException(Reason reason, String detail) {
        super(Objects.requireNonNull(reason, "reason")
                        .name()
                        .toLowerCase(Locale.ROOT)
                        .replace('_', ' ') + ": " + detail);
        this.reason = reason;
    }

    public PipelineException(Reason reason, String detail, Throwable cause) {
        this(reason, detail);
        initCause(cause);
    }

    public Reason reason() {
        return reason;
    }

    /** Always false: the same bytes and operations fail the same way on any worker. */
    public boolean retryable() {
        return false;
    }
}
