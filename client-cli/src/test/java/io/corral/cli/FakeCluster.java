package io.corral.cli;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A cluster in memory: answers each request type with a canned response or error, and records what the command
 * sent, how it connected and which calls were retried. Safe for a command that calls from two threads (add-peer).
 */
final class FakeCluster implements ClusterSession.Factory {
    final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    final List<Request> retried = Collections.synchronizedList(new ArrayList<>());
    final List<Path> uploads = Collections.synchronizedList(new ArrayList<>());
    final List<ClusterSession.Settings> connections = Collections.synchronizedList(new ArrayList<>());
    volatile int closed;

    private final Map<Class<?>, Function<Request, Response>> handlers = new ConcurrentHashMap<>();

    <T extends Request> FakeCluster on(Class<T> type, Function<T, Response> handler) {
        handlers.put(type, request -> handler.apply(type.cast(request)));
        return this;
    }

    FakeCluster fail(Class<? extends Request> type, ErrorCode code, String message) {
        handlers.put(type, request -> {
            throw CliException.of(code, message);
        });
        return this;
    }

    @Override
    public ClusterSession open(ClusterSession.Settings settings) {
        connections.add(settings);
        return new ClusterSession() {
            @Override
            public <R extends Response> R call(Request request, Class<R> type) {
                requests.add(request);
                Function<Request, Response> handler = handlers.get(request.getClass());
                if (handler == null) {
                    throw new AssertionError("unexpected request " + request);
                }
                return type.cast(handler.apply(request));
            }

            @Override
            public <R extends Response> R callWithRetry(Request request, Class<R> type) {
                retried.add(request);
                return call(request, type);
            }

            @Override
            public ImageRef upload(Path file, long maxImageBytes) {
                uploads.add(file);
                try {
                    byte[] bytes = Files.readAllBytes(file);
                    String sha = HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
                    return new ImageRef(file.getFileName().toString(), sha, bytes.length);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (NoSuchAlgorithmException e) {
                    throw new AssertionError(e);
                }
            }

            @Override
            public void close() {
                synchronized (FakeCluster.this) {
                    closed++;
                }
            }
        };
    }
}
