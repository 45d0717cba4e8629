package io.corral.jepsen.nemesis;

import io.corral.protocol.Envelope;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.codec.Json;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a hostile client does to a coordinator's ports, from one thread with non-blocking sockets: many connections,
 * each sending a script of bytes at once (a partial frame, a partial HTTP request) and then holding, or trickling one
 * byte a second. The connections are opened at {@code connectsPerSecond}; one the server closes is opened again, at
 * most {@code reconnectsPerSecond} a second in all, so the pressure lasts as long as the attack does without turning
 * into a flood of connects. Memory here is a few buffers shared by every connection.
 *
 * <p>{@link #main} runs it by hand against a local cluster and prints, every second, what the attacked member still
 * does for a real client (docs/jepsen.md, "hostile-client").
 */
public final class HostileConnections implements AutoCloseable {
    /** What one connection sends. */
    public enum Script {
        /** The length prefix of a 2 MiB frame and all but its last byte, without a Hello; then nothing. */
        PARTIAL_FRAME,
        /**
         * A Hello first, with the attack's token if it has one (an insider; a coordinator without tokens welcomes any
         * Hello), then the same partial 2 MiB frame.
         */
        PARTIAL_FRAME_AFTER_HELLO,
        /** A Hello, the length prefix of a 64 KiB frame, then one byte a second. */
        SLOW_FRAME,
        /** HTTP: a request head that never ends, one header byte a second (slowloris). */
        SLOW_HTTP_HEAD,
        /** HTTP: a head announcing a 60,000-byte body, then all of the body but its last byte. */
        PARTIAL_HTTP_BODY
    }

    /** {@code connections} connections to {@code address}, each running {@code script}. */
    public record Target(InetSocketAddress address, Script script, int connections) {}

    /** Totals since the start: connections opened, closed by the server, refused or failed, open now, bytes sent. */
    public record Stats(long opened, long closedByServer, long failed, int open, long bytesSent) {}

    private static final long TRICKLE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int SELECT_MS = 50;

    private final List<Target> targets;
    private final int connectsPerSecond;
    private final int reconnectsPerSecond;
    private final Map<Script, ByteBuffer> bursts = new HashMap<>();
    private final Selector selector;
    private final Thread thread;
    private final int[] open;
    private final int[] everOpened;
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong closedByServer = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(64 * 1024);
    private volatile boolean running = true;
    private double connectTokens;
    private double reconnectTokens;
    private long lastRefillNanos = System.nanoTime();

    /** One connection's state; touched by the attack thread only. */
    private static final class Conn {
        final int target;
        final Script script;
        final ByteBuffer burst;
        long nextTrickleNanos;

        Conn(int target, Script script, ByteBuffer burst) {
            this.target = target;
            this.script = script;
            this.burst = burst;
        }

        boolean trickles() {
            return script == Script.SLOW_FRAME || script == Script.SLOW_HTTP_HEAD;
        }
    }

    private HostileConnections(List<Target> targets, int connectsPerSecond, int reconnectsPerSecond, String token)
            throws IOException {
        this.targets = List.copyOf(targets);
        this.connectsPerSecond = connectsPerSecond;
        this.reconnectsPerSecond = reconnectsPerSecond;
        this.open = new int[targets.size()];
        this.everOpened = new int[targets.size()];
        for (Script s : Script.values()) {
            bursts.put(s, burst(s, token).asReadOnlyBuffer());
        }
        this.selector = Selector.open();
        this.thread = new Thread(this::loop, "hostile-connections");
        this.thread.setDaemon(true);
    }

    /**
     * Starts attacking at once; {@link #close()} ends it and closes every connection. The scripts' Hellos carry
     * {@code token} (null: none).
     */
    public static HostileConnections start(
            List<Target> targets, int connectsPerSecond, int reconnectsPerSecond, String token) {
        try {
            HostileConnections h = new HostileConnections(targets, connectsPerSecond, reconnectsPerSecond, token);
            h.thread.start();
            return h;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Stats stats() {
        int now = 0;
        synchronized (open) {
            for (int n : open) {
                now += n;
            }
        }
        return new Stats(opened.get(), closedByServer.get(), failed.get(), now, bytesSent.get());
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        try {
            while (running) {
                long now = System.nanoTime();
                openMore(now);
                selector.select(SELECT_MS);
                for (SelectionKey key : selector.selectedKeys()) {
                    handle(key);
                }
                selector.selectedKeys().clear();
                trickle(System.nanoTime());
            }
        } catch (IOException | RuntimeException e) {
            failed.incrementAndGet();
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

    /** Tops every target up to its count of connections, within the connect and reconnect rates. */
    private void openMore(long now) {
        double seconds = (now - lastRefillNanos) / 1e9;
        connectTokens = Math.min(connectsPerSecond, connectTokens + seconds * connectsPerSecond);
        reconnectTokens = Math.min(reconnectsPerSecond, reconnectTokens + seconds * reconnectsPerSecond);
        lastRefillNanos = now;
        boolean opening = true;
        while (opening) {
            opening = false;
            // One per target and round, so a target whose connections the server closes at once does not starve
            // the others.
            for (int t = 0; t < targets.size(); t++) {
                if (count(t) < targets.get(t).connections() && takeToken(t)) {
                    connect(t, targets.get(t));
                    opening = true;
                }
            }
        }
    }

    private boolean takeToken(int t) {
        boolean first = everOpened[t] < targets.get(t).connections();
        if (first ? connectTokens < 1 : reconnectTokens < 1) {
            return false;
        }
        if (first) {
            connectTokens--;
            everOpened[t]++;
        } else {
            reconnectTokens--;
        }
        return true;
    }

    private void connect(int t, Target target) {
        try {
            SocketChannel ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.connect(target.address());
            ch.register(
                    selector,
                    SelectionKey.OP_CONNECT,
                    new Conn(t, target.script(), bursts.get(target.script()).duplicate()));
            adjust(t, 1);
            opened.incrementAndGet();
        } catch (IOException e) {
            failed.incrementAndGet();
        }
    }

    private void handle(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        Conn c = (Conn) key.attachment();
        SocketChannel ch = (SocketChannel) key.channel();
        try {
            if (key.isConnectable()) {
                ch.finishConnect();
                key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                c.nextTrickleNanos = System.nanoTime() + TRICKLE_INTERVAL_NANOS;
                return;
            }
            if (key.isReadable() && drain(ch) < 0) {
                closedByServer.incrementAndGet();
                closeQuietly(key);
                return;
            }
            if (key.isValid() && key.isWritable()) {
                bytesSent.addAndGet(ch.write(c.burst));
                if (!c.burst.hasRemaining()) {
                    key.interestOps(SelectionKey.OP_READ); // now hold
                }
            }
        } catch (IOException e) {
            // Refused, reset: the server closed it (or never let it in).
            (c.burst.position() > 0 ? closedByServer : failed).incrementAndGet();
            closeQuietly(key);
        }
    }

    /** Reads and discards what the server says (a Welcome, an error before it closes); -1 once it closed. */
    private int drain(SocketChannel ch) throws IOException {
        int total = 0;
        int n;
        while ((n = ch.read(scratch.clear())) > 0) {
            total += n;
        }
        return n < 0 ? -1 : total;
    }

    /** Slow scripts send one more byte a second once their burst is out; the byte never completes anything. */
    private void trickle(long now) {
        for (SelectionKey key : selector.keys()) {
            Conn c = (Conn) key.attachment();
            if (!key.isValid() || !c.trickles() || c.burst.hasRemaining() || now < c.nextTrickleNanos) {
                continue;
            }
            if (!((SocketChannel) key.channel()).isConnected()) {
                continue;
            }
            c.nextTrickleNanos = now + TRICKLE_INTERVAL_NANOS;
            try {
                bytesSent.addAndGet(((SocketChannel) key.channel()).write(ByteBuffer.wrap(new byte[] {'a'})));
            } catch (IOException e) {
                closedByServer.incrementAndGet();
                closeQuietly(key);
            }
        }
    }

    private void closeQuietly(SelectionKey key) {
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException e) {
            // Gone either way.
        }
        adjust(((Conn) key.attachment()).target, -1);
    }

    private int count(int t) {
        synchronized (open) {
            return open[t];
        }
    }

    private void adjust(int t, int delta) {
        synchronized (open) {
            open[t] += delta;
        }
    }

    /** The bytes a script sends at once, shared read-only by every connection that runs it. */
    static ByteBuffer burst(Script script, String token) {
        return switch (script) {
            case PARTIAL_FRAME -> partialFrame(new byte[0], Limits.MAX_FRAME_BYTES, Limits.MAX_FRAME_BYTES - 1);
            case PARTIAL_FRAME_AFTER_HELLO ->
                partialFrame(helloFrame("hostile", token), Limits.MAX_FRAME_BYTES, Limits.MAX_FRAME_BYTES - 1);
            case SLOW_FRAME -> partialFrame(helloFrame("hostile-slow", token), 64 * 1024, 0);
            case SLOW_HTTP_HEAD ->
                ByteBuffer.wrap(
                        "GET /metrics HTTP/1.1\r\nHost: corral\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            case PARTIAL_HTTP_BODY -> partialHttpBody(60_000);
        };
    }

    private static ByteBuffer partialFrame(byte[] before, int frameBytes, int sentBytes) {
        ByteBuffer b = ByteBuffer.allocateDirect(before.length + 4 + sentBytes);
        b.put(before).putInt(frameBytes);
        // The rest stays zero: a JSON length of 0 and no JSON, which would be malformed if it ever completed.
        return b.position(0);
    }

    private static ByteBuffer partialHttpBody(int bodyBytes) {
        byte[] head = ("POST /health HTTP/1.1\r\nHost: corral\r\nContent-Type: text/plain\r\nContent-Length: "
                        + bodyBytes + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(head.length + bodyBytes - 1);
        b.put(head);
        while (b.hasRemaining()) {
            b.put((byte) 'x');
        }
        return b.flip();
    }

    /** A whole frame holding a Hello with {@code token} (null: none), as a real client sends it. */
    static byte[] helloFrame(String client, String token) {
        byte[] payload = Json.encode(new Envelope(1, new Request.Hello(Limits.PROTOCOL_VERSION, client, token)));
        return ByteBuffer.allocate(4 + payload.length)
                .putInt(payload.length)
                .put(payload)
                .array();
    }

    /**
     * What a real client with {@code token} (null: none) sees: connect, Hello, Welcome, within {@code timeoutMs}.
     *
     * @return the round trip in milliseconds, or -1 when it failed, was refused or took longer
     */
    public static long helloMs(InetSocketAddress address, int timeoutMs, String token) {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(address, timeoutMs);
            s.setSoTimeout(timeoutMs);
            s.setTcpNoDelay(true);
            new DataOutputStream(s.getOutputStream()).write(helloFrame("hostile-probe", token));
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] payload = in.readNBytes(in.readInt());
            boolean welcomed = Json.decode(payload).message() instanceof Response.Welcome;
            return welcomed ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) : -1;
        } catch (IOException | RuntimeException | io.corral.protocol.codec.MalformedMessageException e) {
            return -1;
        }
    }

    /** An HTTP answer as a probe saw it: status (-1: none within the timeout), body, round trip. */
    public record HttpAnswer(int status, String body, long ms) {}

    /**
     * {@code GET path} on an HTTP port with {@code token} as its bearer token (null: none), on a connection of its
     * own, read to its end within {@code timeoutMs}.
     */
    public static HttpAnswer httpGet(InetSocketAddress address, String path, int timeoutMs, String token) {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(address, timeoutMs);
            s.setSoTimeout(timeoutMs);
            s.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: corral\r\nConnection: close\r\n"
                                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (!answer.startsWith("HTTP/1.1 ") || answer.length() < 12) {
                return new HttpAnswer(-1, "", ms);
            }
            int body = answer.indexOf("\r\n\r\n");
            return new HttpAnswer(
                    Integer.parseInt(answer.substring(9, 12)), body < 0 ? "" : answer.substring(body + 4), ms);
        } catch (IOException | RuntimeException e) {
            return new HttpAnswer(-1, "", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
    }

    /**
     * By hand: {@code HostileConnections RPC_HOST:PORT HTTP_HOST:PORT SECONDS [PID] [SCRIPT=COUNT ...]}; the default
     * scripts are {@code PARTIAL_FRAME=1196}. Prints, every second, the attack's totals, a real client's Hello round
     * trip (ms, -1: failed within 3 s), {@code GET /health} (status, ms) and, with a PID, the attacked process's RSS.
     * With {@code CORRAL_TOKEN} set, the attack's Hellos and the probe's carry that token.
     */
    public static void main(String[] args) throws Exception {
        String token = System.getenv("CORRAL_TOKEN");
        InetSocketAddress rpc = address(args[0]);
        InetSocketAddress http = address(args[1]);
        int seconds = Integer.parseInt(args[2]);
        String pid = args.length > 3 && args[3].matches("\\d+") ? args[3] : null;
        List<Target> targets = new ArrayList<>();
        for (int i = pid == null ? 3 : 4; i < args.length; i++) {
            String[] kv = args[i].split("=");
            Script script = Script.valueOf(kv[0]);
            boolean onHttp = script == Script.SLOW_HTTP_HEAD || script == Script.PARTIAL_HTTP_BODY;
            targets.add(new Target(onHttp ? http : rpc, script, Integer.parseInt(kv[1])));
        }
        if (targets.isEmpty()) {
            targets.add(new Target(rpc, Script.PARTIAL_FRAME, 1196));
        }
        try (HostileConnections attack = start(targets, 400, 50, token)) {
            for (int s = 1; s <= seconds; s++) {
                Thread.sleep(1000);
                HttpAnswer health = httpGet(http, "/health", 3000, null);
                System.out.printf(
                        "t=%ds %s hello=%dms health=%d in %dms rss=%s%n",
                        s,
                        attack.stats(),
                        helloMs(rpc, 3000, token),
                        health.status(),
                        health.ms(),
                        pid == null ? "?" : rssKiB(pid) + "KiB");
            }
        }
    }

    private static String rssKiB(String pid) throws IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc", pid, "status"))) {
            if (line.startsWith("VmRSS:")) {
                return line.replaceAll("\\D+", "");
            }
        }
        return "?";
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
