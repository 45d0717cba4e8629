package io.corral.worker.pipeline;

import io.corral.protocol.ops.Operation;
import io.corral.worker.pipeline.PipelineException.Reason;
import io.corral.worker.pipeline.internal.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Decodes an image under {@link PipelineLimits}, applies {@link Operation}s in the order given and encodes the
 * result. One instance is safe for concurrent use by any number of threads: a run shares no mutable state with
 * another. The exact semantics of every operation are in docs/pipeline.md.
 *
 * <p>A run either returns a result or throws {@link PipelineException} (bad input, never retryable). An
 * {@link IOException} means the input itself could not be read (a file system or stream error), not that the image
 * is bad. If the thread is interrupted, the run stops between steps with a
 * {@link java.util.concurrent.CancellationException} and the interrupt flag stays set.
 */
public final class ImagePipeline {
    private final PipelineLimits limits;
    private final Engine engine;

    public ImagePipeline(PipelineLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.engine = new Engine(limits);
    }

    public static ImagePipeline withDefaults() {
        return new ImagePipeline(PipelineLimits.defaults());
    }

    public PipelineLimits limits() {
        return limits;
    }

    /** Runs on bytes already in memory. */
    public PipelineResult run(byte[] input, List<Operation> ops, ProgressListener progress) throws PipelineException {
        Objects.requireNonNull(input, "input");
        if (input.length > limits.maxInputBytes()) {
            throw tooLarge(input.length);
        }
        return engine.run(input, List.copyOf(ops), Objects.requireNonNull(progress, "progress"));
    }

    /**
     * Reads at most {@code maxInputBytes + 1} bytes from {@code input} (it is not closed), so an oversized stream is
     * refused without being read to its end.
     */
    public PipelineResult run(InputStream input, List<Operation> ops, ProgressListener progress)
            throws PipelineException, IOException {
        byte[] bytes = input.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limits.maxInputBytes() + 1));
        if (bytes.length > limits.maxInputBytes()) {
            throw new PipelineException(
                    Reason.TOO_LARGE,
                    "input is more than " + limits.maxInputBytes() + " bytes; the limit is " + limits.maxInputBytes());
        }
        return run(bytes, ops, progress);
    }

    /** Checks the file's size before reading any of it. */
    public PipelineResult run(Path input, List<Operation> ops, ProgressListener progress)
            throws PipelineException, IOException {
        long size = Files.size(input);
        if (size > limits.maxInputBytes()) {
            throw tooLarge(size);
        }
        try (InputStream in = Files.newInputStream(input)) {
            return run(in, ops, progress);
        }
    }

    private PipelineException tooLarge(long size) {
        return new PipelineException(
                Reason.TOO_LARGE, "input is " + size + " bytes; the limit is " + limits.maxInputBytes());
    }
}
