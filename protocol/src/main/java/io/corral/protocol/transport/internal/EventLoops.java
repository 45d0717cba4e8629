package io.corral.protocol.transport.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Event loop groups with named threads, so a thread dump says which part of Corral a thread belongs to. */
public final class EventLoops {
    private EventLoops() {}

    /**
     * @param threads 0 for Netty's default (twice the number of cores)
     * @param daemon client threads are daemons so a program that forgets to close its client still exits
     */
    public static EventLoopGroup nio(int threads, String name, boolean daemon) {
        return new MultiThreadIoEventLoopGroup(
                threads, new DefaultThreadFactory(name, daemon), NioIoHandler.newFactory());
    }
}
