package io.corral.coordinator.rpc;

import io.corral.metrics.Histogram;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** RPC latency by request type and error counts by code, exported on /metrics. */
public final class RpcMetrics {
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    void observe(Request request, Response response, long elapsedNanos) {
        String type = request.getClass().getSimpleName();
        latency.computeIfAbsent(type, t -> new Histogram()).observe(elapsedNanos / 1e9);
        if (response instanceof Response.ErrorReply e) {
            errors.computeIfAbsent(type + "\u0000" + e.code(), k -> new LongAdder())
                    .increment();
        }
    }

    public Map<String, Histogram> latency() {
        return latency;
    }

    /** Keyed by request type and error code separated by NUL. */
    public Map<String, LongAdder> errors() {
        return errors;
    }
}
