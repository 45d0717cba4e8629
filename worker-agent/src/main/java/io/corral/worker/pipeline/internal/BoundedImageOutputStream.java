package io.corral.worker.pipeline.internal;

import java.io.IOException;
import java.util.Arrays;
import javax.imageio.stream.ImageOutputStreamImpl;

/**
 * An in-memory, seekable ImageIO output stream that refuses to grow beyond a limit, so an encoder producing a huge
 * file fails at the limit instead of exhausting the heap.
 */
final class BoundedImageOutputStream extends ImageOutputStreamImpl {
    /** Thrown by a write that would pass the limit. */
    static final class LimitExceeded extends IOException {
        private static final long serialVersionUID = 1L;

        LimitExceeded(long limit) {
            super("output exceeds " + limit + " bytes");
        }
    }

    private final long limit;
    private byte[] buffer = new byte[64 * 1024];
    private int length;

    BoundedImageOutputStream(long limit) {
        this.limit = limit;
    }

    @Override
    public void write(int b) throws IOException {
        flushBits();
        ensure(streamPos + 1);
        buffer[(int) streamPos++] = (byte) b;
        length = Math.max(length, (int) streamPos);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        flushBits();
        ensure(streamPos + len);
        System.arraycopy(b, off, buffer, (int) streamPos, len);
        streamPos += len;
        length = Math.max(length, (int) streamPos);
    }

    @Override
    public int read() throws IOException {
        bitOffset = 0;
        return streamPos < length ? buffer[(int) streamPos++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        bitOffset = 0;
        if (streamPos >= length) {
            return -1;
        }
        int n = (int) Math.min(len, length - streamPos);
        System.arraycopy(buffer, (int) streamPos, b, off, n);
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        return length;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buffer, length);
    }

    private void ensure(long size) throws LimitExceeded {
        if (size > limit) {
            throw new LimitExceeded(limit);
        }
        if (size > buffer.length) {
            long grown = Math.max(size, Math.min(limit, 2L * buffer.length));
            buffer = Arrays.copyOf(buffer, (int) grown);
        }
    }
}
