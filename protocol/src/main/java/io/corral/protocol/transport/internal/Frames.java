package io.corral.protocol.transport.internal;

import io.corral.protocol.Envelope;
import io.corral.protocol.codec.Json;
import io.corral.protocol.codec.MalformedMessageException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;

/** Envelope to frame and back; the framing is {@link FrameDecoder}'s. */
public final class Frames {
    private Frames() {}

    /** A complete frame (length prefix and JSON); the caller owns the buffer. */
    public static ByteBuf encode(ByteBufAllocator alloc, Envelope envelope) {
        ByteBuf frame = alloc.buffer();
        try {
            frame.writeInt(0);
            // Encoding straight into the buffer avoids a byte[] copy of up to a 2 MiB chunk per frame.
            try (ByteBufOutputStream out = new ByteBufOutputStream(frame)) {
                Json.encode(envelope, out);
            }
            frame.setInt(0, frame.readableBytes() - FrameDecoder.LENGTH_BYTES);
            return frame;
        } catch (IOException | RuntimeException e) {
            frame.release();
            throw new IllegalStateException(
                    "cannot encode " + envelope.message().getClass().getSimpleName(), e);
        }
    }

    /** Bytes of the payload of a frame made by {@link #encode}, the number the peer's limit applies to. */
    public static int payloadBytes(ByteBuf frame) {
        return frame.readableBytes() - FrameDecoder.LENGTH_BYTES;
    }

    /** Decodes a payload emitted by {@link FrameDecoder}; does not release it. */
    public static Envelope decode(ByteBuf payload) throws MalformedMessageException {
        int length = payload.readableBytes();
        if (payload.hasArray()) {
            return Json.decode(payload.array(), payload.arrayOffset() + payload.readerIndex(), length);
        }
        return Json.decode(ByteBufUtil.getBytes(payload, payload.readerIndex(), length, false));
    }
}
