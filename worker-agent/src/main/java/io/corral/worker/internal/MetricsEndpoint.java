package io.corral.worker.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.corral.metrics.PrometheusText;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The worker's optional HTTP port ({@code metricsAddress}): {@code GET /metrics} (Prometheus text) and {@code GET
 * /health} (200 while the process serves; the body says whether it is registered). It is the JDK's own small HTTP
 * server on one thread: a scrape endpoint needs nothing more, the worker gains no dependency, and the coordinator's
 * Netty HTTP server stays where it is. Request bodies are never read.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService thread;

    private MetricsEndpoint(HttpServer server, ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    /**
     * {@code host:port} as a socket address to bind; port 0 picks a free one.
     *
     * @throws IllegalArgumentException when it is not host:port
     */
    public static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("expected host:port");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the port is not a number");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is out of range 0..65535");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    /** @throws IOException when the address cannot be bound (in use, not local, unknown host) */
    public static MetricsEndpoint start(String hostPort, Supplier<String> metrics, Supplier<String> health)
            throws IOException {
        InetSocketAddress unresolved = address(hostPort);
        InetSocketAddress bind = new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
        if (bind.isUnresolved()) {
            throw new IOException("unknown host " + unresolved.getHostString());
        }
        HttpServer server = HttpServer.create(bind, 16);
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "corral-metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(thread);
        server.createContext("/", exchange -> serve(exchange, metrics, health));
        server.start();
        return new MetricsEndpoint(server, thread);
    }

    private static void serve(HttpExchange exchange, Supplier<String> metrics, Supplier<String> health)
            throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                reply(exchange, 405, "text/plain; charset=utf-8", "only GET is served\n");
            } else if (path.equals("/metrics")) {
                reply(exchange, 200, PrometheusText.CONTENT_TYPE, metrics.get());
            } else if (path.equals("/health")) {
                reply(exchange, 200, "text/plain; charset=utf-8", health.get() + "\n");
            } else {
                reply(exchange, 404, "text/plain; charset=utf-8", "no such path; try /metrics or /health\n");
            }
        } catch (RuntimeException e) {
            // A failing route must not take the endpoint down; the scraper sees the connection end.
        }
    }

    private static void reply(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    public InetSocketAddress boundAddress() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }
}
