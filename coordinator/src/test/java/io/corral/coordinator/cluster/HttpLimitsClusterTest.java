package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.coordinator.Coordinator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP port of a real coordinator against clients that hold it: slow heads (slowloris), more connections than the
 * cap, heads and bodies over the limits, connections that say nothing. Its health and metrics keep being served, each
 * offender is closed by the limit meant for it, and the metrics count them.
 */
@Tag("cluster")
class HttpLimitsClusterTest {
    private static final int MAX_CONNECTIONS = 16;

    @TempDir
    static Path dir;

    static LocalCluster cluster;
    static InetSocketAddress http;

    @BeforeAll
    static void start() {
        Map<String, String> settings = LocalCluster.testSettings();
        settings.put("http.maxConnections", Integer.toString(MAX_CONNECTIONS));
        settings.put("http.requestTimeoutMs", "1500");
        settings.put("http.idleTimeoutMs", "3000");
        settings.put("http.maxHeaderBytes", "2048");
        settings.put("http.maxBodyBytes", "1024");
        cluster = LocalCluster.start(dir.resolve("c"), 3, settings);
        Coordinator leader = cluster.leader();
        http = new InetSocketAddress("127.0.0.1", leader.httpAddress().getPort());
        await().atMost(Duration.ofSeconds(30)).until(() -> status(get("/health")) == 200);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * Forty connections trickle a request head one byte every 200 ms, more than the port takes. Real requests are
     * still answered (the slowest trickler makes room for them); every trickler is closed, by the request timeout
     * (408), or to make room, or refused at the cap (503).
     */
    @Test
    void slowHeadsBeyondTheCapDoNotKeepRealRequestsOut() throws Exception {
        List<Socket> slow = new ArrayList<>();
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int i = 0; i < 40; i++) {
                Socket s = connect();
                s.getOutputStream().write(ascii("GET /metrics HTTP/1.1\r\nHost: corral\r\nX-Slow: "));
                slow.add(s);
            }
            trickle.scheduleAtFixedRate(
                    () -> slow.forEach(HttpLimitsClusterTest::oneByte), 200, 200, TimeUnit.MILLISECONDS);
            for (int round = 0; round < 5; round++) {
                // A connection made while every slot is younger than the eviction age is refused 503, so retry.
                await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> status(get("/health")) == 200);
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> slow.stream().allMatch(HttpLimitsClusterTest::closedByServer));
        } finally {
            trickle.shutdownNow();
            slow.forEach(HttpLimitsClusterTest::closeQuietly);
        }
        Map<String, Double> m = MetricsScrape.of(http).samples();
        assertThat(m.get(closed("request_timeout"))).isPositive();
        assertThat(m.get(closed("slow_connection_evicted")) + m.get(closed("max_connections")))
                .isPositive();
        assertThat(m.get(closed("request_timeout"))
                        + m.get(closed("slow_connection_evicted"))
                        + m.get(closed("max_connections")))
                .isGreaterThanOrEqualTo(40);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> MetricsScrape.of(http).samples().get("corral_http_connections") <= 1);
    }

    @Test
    void answersARequestThatArrivesTooSlowlyWith408AndCloses() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(ascii("GET /health HTTP/1.1\r\nHost: corral\r\n"));

            String answer = readAll(s);
            assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout").endsWith("within 1500 ms\n");
        }
    }

    @Test
    void refusesHeadsAndBodiesOverTheLimits() throws Exception {
        assertThat(get("/health?" + "x".repeat(3000))).startsWith("HTTP/1.1 414 ");
        assertThat(exchange("GET /health HTTP/1.1\r\nHost: corral\r\nX-Big: " + "y".repeat(3000)
                        + "\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 431 ");
        assertThat(exchange("POST /health HTTP/1.1\r\nHost: corral\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n"
                        + "z".repeat(100)))
                .startsWith("HTTP/1.1 413 ");
        assertThat(exchange("NOT HTTP AT ALL\r\n\r\n")).startsWith("HTTP/1.1 400 ");
        Map<String, Double> m = MetricsScrape.of(http).samples();
        assertThat(m.get(closed("head_too_large"))).isGreaterThanOrEqualTo(2);
        assertThat(m.get(closed("body_too_large"))).isGreaterThanOrEqualTo(1);
        assertThat(m.get(closed("malformed_request"))).isGreaterThanOrEqualTo(1);
    }

    @Test
    void closesConnectionsThatStayIdle() throws Exception {
        try (Socket silent = connect();
                Socket keptAlive = connect()) {
            keptAlive.getOutputStream().write(ascii("GET /health HTTP/1.1\r\nHost: corral\r\n\r\n"));
            assertThat(new String(keptAlive.getInputStream().readNBytes(15), StandardCharsets.US_ASCII))
                    .isEqualTo("HTTP/1.1 200 OK");

            await().atMost(Duration.ofSeconds(20)).until(() -> closedByServer(silent) && closedByServer(keptAlive));
        }
        assertThat(MetricsScrape.of(http).samples().get(closed("idle_timeout"))).isGreaterThanOrEqualTo(2);
    }

    @Test
    void exportsTheRpcPortsLimitsAndEveryReason() throws Exception {
        Map<String, Double> m = MetricsScrape.of(http).samples();
        assertThat(m.get("corral_rpc_unfinished_frame_bytes_limit")).isEqualTo(64.0 * 1024 * 1024);
        assertThat(m)
                .containsKeys(
                        "corral_rpc_connections",
                        "corral_rpc_unfinished_frame_bytes",
                        "corral_rpc_unfinished_frame_bytes_peak",
                        "corral_rpc_connections_closed_total{reason=\"pre_auth_frame_too_large\"}",
                        "corral_rpc_connections_closed_total{reason=\"frame_timeout\"}",
                        "corral_rpc_connections_closed_total{reason=\"slow_frame_evicted\"}",
                        "corral_rpc_connections_closed_total{reason=\"handshake_timeout\"}",
                        "corral_http_connections");
    }

    private static String closed(String reason) {
        return "corral_http_connections_closed_total{reason=\"" + reason + "\"}";
    }

    private static Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(http, 5_000);
        s.setSoTimeout(20_000);
        return s;
    }

    private static String get(String path) throws IOException {
        return exchange("GET " + path + " HTTP/1.1\r\nHost: corral\r\nConnection: close\r\n\r\n");
    }

    /** Sends a request and reads the answer until the server closes (every request here asks it to). */
    private static String exchange(String request) throws IOException {
        try (Socket s = connect()) {
            s.getOutputStream().write(ascii(request));
            return readAll(s);
        }
    }

    private static int status(String answer) {
        return answer.startsWith("HTTP/1.1 ") ? Integer.parseInt(answer.substring(9, 12)) : -1;
    }

    private static String readAll(Socket s) throws IOException {
        try {
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return ""; // reset by the server: no answer
        }
    }

    /** True once the server closed {@code s}: end of stream or a reset (what it sent first is skipped). */
    private static boolean closedByServer(Socket s) {
        try {
            s.setSoTimeout(50);
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
                // An answer before the close (408, 503): read past it.
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static void oneByte(Socket s) {
        try {
            s.getOutputStream().write('a');
        } catch (IOException e) {
            // Closed by the server: what the test waits for.
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
