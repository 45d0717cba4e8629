package io.corral.protocol.testing;

import io.corral.protocol.Envelope;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.codec.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Raw connections that misbehave as an attacker's would, driven by one thread with non-blocking sockets so that
 * hundreds cost the test little: each sends its burst of bytes at once, then holds, or trickles one byte every {@link
 * #TRICKLE_MS}. Nothing is reopened. The test awaits {@link #closedByServer()}.
 */
public final class HostilePeers implements AutoCloseable {
    public static final long TRICKLE_MS = 200;

    private final InetSocketAddress address;
    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger closedByServer = new AtomicInteger();
    private final ByteBuffer scratch = ByteBuffer.allocate(16 * 1024);
    private volatile boolean running = true;

    private static final class Peer {
        final ByteBuffer burst;
        final boolean trickles;
        long nextTrickleNanos;

        Peer(ByteBuffer burst, boolean trickles) {
            this.burst = burst;
            this.trickles = trickles;
        }
    }

    private HostilePeers(InetSocketAddress address) throws IOException {
        this.address = address;
        this.selector = Selector.open();
        this.thread = new Thread(this::loop, "hostile-peers");
        this.thread.setDaemon(true);
    }

    public static HostilePeers against(InetSocketAddress address) {
        try {
            HostilePeers p = new HostilePeers(address);
            p.thread.start();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens {@code count} connections that each send {@code burst}, then hold (or trickle). */
    public HostilePeers open(int count, byte[] burst, boolean trickles) {
        ByteBuffer shared = ByteBuffer.wrap(burst).asReadOnlyBuffer();
        for (int i = 0; i < count; i++) {
            pending.add(() -> connect(shared.duplicate(), trickles));
        }
        selector.wakeup();
        return this;
    }

    public int opened() {
        return opened.get();
    }

    /** Connections the server has closed (end of stream or reset). */
    public int closedByServer() {
        return closedByServer.get();
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void connect(ByteBuffer burst, boolean trickles) {
        try {
            SocketChannel ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.connect(address);
            ch.register(selector, SelectionKey.OP_CONNECT, new Peer(burst, trickles));
            opened.incrementAndGet();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void loop() {
        try {
            while (running) {
                Runnable r;
                while ((r = pending.poll()) != null) {
                    r.run();
                }
                selector.select(20);
                for (SelectionKey key : selector.selectedKeys()) {
                    handle(key);
                }
                selector.selectedKeys().clear();
                trickle(System.nanoTime());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (SelectionKey key : selector.keys()) {
                closeQuietly(key);
            }
            try {
                selector.close();
            } catch (IOException e) {
                // Closing anyway.
            }
        }
    }

    private void handle(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        Peer p = (Peer) key.attachment();
        SocketChannel ch = (SocketChannel) key.channel();
        try {
            if (key.isConnectable()) {
                ch.finishConnect();
                key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                p.nextTrickleNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TRICKLE_MS);
                return;
            }
            if (key.isReadable()) {
                int n;
                while ((n = ch.read(scratch.clear())) > 0) {
                    // What the server says before it closes: not this helper's business.
                }
                if (n < 0) {
                    serverClosed(key);
                    return;
                }
            }
            if (key.isWritable()) {
                ch.write(p.burst);
                if (!p.burst.hasRemaining()) {
                    key.interestOps(SelectionKey.OP_READ);
                }
            }
        } catch (IOException e) {
            serverClosed(key);
        }
    }

    private void trickle(long now) {
        for (SelectionKey key : selector.keys()) {
            Peer p = (Peer) key.attachment();
            SocketChannel ch = (SocketChannel) key.channel();
            if (!key.isValid()
                    || !p.trickles
                    || p.burst.hasRemaining()
                    || !ch.isConnected()
                    || now < p.nextTrickleNanos) {
                continue;
            }
            p.nextTrickleNanos = now + TimeUnit.MILLISECONDS.toNanos(TRICKLE_MS);
            try {
                ch.write(ByteBuffer.wrap(new byte[] {0}));
            } catch (IOException e) {
                serverClosed(key);
            }
        }
    }

    private void serverClosed(SelectionKey key) {
        closedByServer.incrementAndGet();
        closeQuietly(key);
    }

    private static void closeQuietly(SelectionKey key) {
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException e) {
            // Gone either way.
        }
    }

    /** A frame holding a Hello, as a real client sends it. */
    public static byte[] hello() {
        byte[] payload = Json.encode(new Envelope(1, new Request.Hello(Limits.PROTOCOL_VERSION, "hostile")));
        return ByteBuffer.allocate(4 + payload.length)
                .putInt(payload.length)
                .put(payload)
                .array();
    }

    /** {@code before}, then the length prefix of a {@code frameBytes} frame and {@code sentBytes} of its payload. */
    public static byte[] partialFrame(byte[] before, int frameBytes, int sentBytes) {
        return ByteBuffer.allocate(before.length + 4 + sentBytes)
                .put(before)
                .putInt(frameBytes)
                .array();
    }
}
