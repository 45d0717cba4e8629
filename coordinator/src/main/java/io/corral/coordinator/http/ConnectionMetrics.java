package io.corral.coordinator.http;

import io.corral.metrics.PrometheusText;
import io.corral.protocol.transport.ConnectionLimit;
import io.corral.protocol.transport.RpcServer;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The client-facing ports' connections and what their limits closed, for {@code /metrics}: every reason is exported
 * from the start, at 0, so that {@code rate()} and alerts see a series before the first close.
 */
final class ConnectionMetrics {
    private final Supplier<RpcServer.LimitStats> rpc;
    private final HttpConnections http;

    ConnectionMetrics(Supplier<RpcServer.LimitStats> rpc, HttpConnections http) {
        this.rpc = rpc;
        this.http = http;
    }

    void write(PrometheusText p) {
        RpcServer.LimitStats r = rpc.get();
        p.gauge(
                "corral_rpc_connections",
                "connections open on the RPC port (clients, workers, other members)",
                r.connections());
        p.header(
                "corral_rpc_connections_closed_total",
                "counter",
                "RPC connections this member closed because they hit a limit, by limit");
        for (ConnectionLimit limit : ConnectionLimit.values()) {
            p.sample(
                    "corral_rpc_connections_closed_total",
                    Map.of("reason", limit.label()),
                    r.closed().getOrDefault(limit, 0L));
        }
        p.gauge(
                "corral_rpc_unfinished_frame_bytes",
                "bytes held now in frames that began to arrive and are not complete",
                r.unfinishedFrameBytes());
        p.gauge(
                "corral_rpc_unfinished_frame_bytes_peak",
                "the most bytes ever held at once in unfinished frames since this member started",
                r.peakUnfinishedFrameBytes());
        p.gauge(
                "corral_rpc_unfinished_frame_bytes_limit",
                "limits.maxUnfinishedFrameBytes: when it is reached, slow frames are evicted",
                r.maxUnfinishedFrameBytes());
        HttpConnections.Stats h = http.stats();
        p.gauge("corral_http_connections", "connections open on the HTTP port", h.open());
        p.header(
                "corral_http_connections_closed_total",
                "counter",
                "HTTP connections this member closed because they hit a limit, by limit");
        for (HttpLimit limit : HttpLimit.values()) {
            p.sample(
                    "corral_http_connections_closed_total",
                    Map.of("reason", limit.label()),
                    h.closed().getOrDefault(limit, 0L));
        }
    }
}
