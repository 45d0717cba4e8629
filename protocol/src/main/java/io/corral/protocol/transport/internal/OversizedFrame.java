package io.corral.protocol.transport.internal;

/**
 * Emitted by {@link FrameDecoder} instead of a frame whose length prefix exceeds the limit. The bytes were never
 * buffered; the connection handler answers and closes, since the stream cannot be resynchronized cheaply.
 */
public record OversizedFrame(long frameBytes, int maxFrameBytes) {
    public String describe() {
        return "frame of " + frameBytes + " bytes exceeds the limit of " + maxFrameBytes + " bytes";
    }
}
