package io.corral.worker.pipeline;

import io.corral.protocol.ops.Operation.Format;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/** The encoded output of a run: its bytes, format and pixel dimensions. Immutable. */
public final class PipelineResult {
    private final byte[] bytes;
    private final Format format;
    private final int width;
    private final int height;

    public PipelineResult(byte[] bytes, Format format, int width, int height) {
        this.bytes = Objects.requireNonNull(bytes, "bytes");
        this.format = Objects.requireNonNull(format, "format");
        this.width = width;
        this.height = height;
    }

    /** A copy of the encoded bytes; use {@link #writeTo} to avoid the copy. */
    public byte[] bytes() {
        return bytes.clone();
    }

    public int size() {
        return bytes.length;
    }

    public void writeTo(OutputStream out) throws IOException {
        out.write(bytes);
    }

    public Format format() {
        return format;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    @Override
    public String toString() {
        return "PipelineResult[" + format + " " + width + "x" + height + ", " + bytes.length + " bytes]";
    }
}
