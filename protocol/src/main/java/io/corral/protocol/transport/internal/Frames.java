package io.corral.protocol.transport.internal;

import io.corral.protocol.Envelope;
import io.corral.protocol.codec.Attachments;
import io.corral.protocol.codec.Json;
import io.corral.protocol.codec.MalformedMessageException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.util.List;

/**
 * Envelope to frame and back: {@code [u32 payload length][u32 JSON length][JSON][binary part]} (the payload is
 * {@link Json}'s); the framing is {@link FrameDecoder}'s.
 */
public final class Frames {
    private Frames() {}

    /** A complete frame (length prefix and payload); the caller owns the buffer. */
    public static ByteBuf encode(ByteBufAllocator alloc, Envelope envelope) {
        ByteBuf frame = alloc.buffer();
        try {
            frame.writeInt(0).writeInt(0);
            // JSON and image bytes go straight into the buffer: one copy of a chunk, no base64, no byte[] in between.
            List<byte[]> binary;
            try (ByteBufOutputStream out = new ByteBufOutputStream(frame)) {
                binary = Json.encode(envelope, out);
            }
            frame.setInt(
                    FrameDecoder.LENGTH_BYTES,
                    frame.readableBytes() - FrameDecoder.LENGTH_BYTES - Json.JSON_LENGTH_BYTES);
            for (byte[] part : binary) {
                frame.writeBytes(part);
            }
            frame.setInt(0, frame.readableBytes() - FrameDecoder.LENGTH_BYTES);
            return frame;
        } catch (IOException | RuntimeException e) {
            frame.release();
            throw new IllegalStateException(
                    "cannot encode " + envelope.message().getClass().getSimpleName(), e);
        }
    }

    /**
     * A frame of protocol 2 (JSON without its length), only to tell a peer of that protocol, in words it can read,
     * that this one speaks another. The message must have no {@code byte[]} field.
     */
    public static ByteBuf encodeForProtocol2Peer(ByteBufAllocator alloc, Envelope envelope) {
        byte[] payload = Json.encode(envelope);
        int json = payload.length - Json.JSON_LENGTH_BYTES;
        ByteBuf frame = alloc.buffer(FrameDecoder.LENGTH_BYTES + json);
        return frame.writeInt(json).writeBytes(payload, Json.JSON_LENGTH_BYTES, json);
    }

    /** Bytes of the payload of a frame made by {@link #encode}, the number the peer's limit applies to. */
    public static int payloadBytes(ByteBuf frame) {
        return frame.readableBytes() - FrameDecoder.LENGTH_BYTES;
    }

    /** Whether a payload is JSON without its length: what a peer of protocol 2 sends. */
    public static boolean fromProtocol2Peer(ByteBuf payload) {
        return payload.isReadable() && payload.getByte(payload.readerIndex()) == '{';
    }

    /** Decodes a payload emitted by {@link FrameDecoder}; does not release it. */
    public static Envelope decode(ByteBuf payload) throws MalformedMessageException {
        int length = payload.readableBytes();
        int start = payload.readerIndex();
        int json = Json.jsonLength(
                length,
                length >= Json.JSON_LENGTH_BYTES ? payload.getInt(start) : 0,
                length > 0 ? payload.getByte(start) : 0);
        int jsonStart = start + Json.JSON_LENGTH_BYTES;
        Attachments.Source binary = new BufferSource(payload, jsonStart + json, start + length);
        if (payload.hasArray()) {
            return Json.decode(payload.array(), payload.arrayOffset() + jsonStart, json, binary);
        }
        return Json.decode(ByteBufUtil.getBytes(payload, jsonStart, json, false), 0, json, binary);
    }

    /** The binary part read straight from the frame's buffer into each field's array: one copy of a chunk. */
    private static final class BufferSource implements Attachments.Source {
        private final ByteBuf buffer;
        private final int end;
        private int position;

        BufferSource(ByteBuf buffer, int position, int end) {
            this.buffer = buffer;
            this.position = position;
            this.end = end;
        }

        @Override
        public int remaining() {
            return end - position;
        }

        @Override
        public byte[] take(int count) {
            byte[] out = new byte[count];
            buffer.getBytes(position, out);
            position += count;
            return out;
        }
    }
}
