package io.corral.protocol.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/**
 * The client's framing (a server, which must bound what unknown peers make it hold, uses {@link BoundedFrameDecoder}).
 * Splits the byte stream into frames: a 4-byte big-endian payload length, then the payload (JSON). Emits the payload
 * as a {@link ByteBuf} (the receiver releases it) or, once, an {@link OversizedFrame}, after which every further byte
 * is dropped: the handler is expected to close the connection.
 */
public final class FrameDecoder extends LengthFieldBasedFrameDecoder {
    public static final int LENGTH_BYTES = 4;

    private final int maxFrameBytes;
    private boolean rejected;

    /** @param maxFrameBytes the largest payload accepted, excluding the length prefix */
    public FrameDecoder(int maxFrameBytes) {
        super(maxFrameBytes + LENGTH_BYTES, 0, LENGTH_BYTES, 0, LENGTH_BYTES, true);
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * Checks the length prefix before Netty does, because Netty's TooLongFrameException does not carry the
     * declared length, and the error reply must say how large the frame was.
     */
    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (rejected) {
            in.skipBytes(in.readableBytes());
            return null;
        }
        if (in.readableBytes() >= LENGTH_BYTES) {
            long declared = in.getUnsignedInt(in.readerIndex());
            if (declared > maxFrameBytes) {
                rejected = true;
                in.skipBytes(in.readableBytes());
                return new OversizedFrame(declared, maxFrameBytes);
            }
        }
        return super.decode(ctx, in);
    }
}
