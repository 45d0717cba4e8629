package io.corral.protocol.transport.internal;

import io.corral.auth.Principal;
import io.corral.protocol.Envelope;
import io.corral.protocol.Response;
import io.corral.protocol.transport.Session;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.net.SocketAddress;
import java.util.Optional;

/** A {@link Session} over a Netty channel. */
final class ChannelSession implements Session {
    private final long id;
    private final Channel channel;
    private final int maxFrameBytes;
    private volatile String clientName = "";
    private volatile Principal principal;

    ChannelSession(long id, Channel channel, int maxFrameBytes) {
        this.id = id;
        this.channel = channel;
        this.maxFrameBytes = maxFrameBytes;
    }

    void clientName(String name) {
        this.clientName = name;
    }

    void principal(Principal value) {
        this.principal = value;
    }

    @Override
    public Optional<Principal> principal() {
        return Optional.ofNullable(principal);
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    @Override
    public String clientName() {
        return clientName;
    }

    @Override
    public boolean push(Response message) {
        if (!channel.isActive() || !channel.isWritable()) {
            return false;
        }
        ByteBuf frame = Frames.encode(channel.alloc(), new Envelope(0, message));
        int payloadBytes = Frames.payloadBytes(frame);
        if (payloadBytes > maxFrameBytes) {
            frame.release();
            throw new IllegalArgumentException("push of " + message.getClass().getSimpleName() + " is " + payloadBytes
                    + " bytes; the frame limit is " + maxFrameBytes);
        }
        channel.writeAndFlush(frame, channel.voidPromise());
        return true;
    }

    @Override
    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.close();
    }

    @Override
    public String toString() {
        Principal p = principal;
        return "session " + id + " (" + clientName + (p == null ? "" : " as " + p) + " at " + channel.remoteAddress()
                + ")";
    }
}
