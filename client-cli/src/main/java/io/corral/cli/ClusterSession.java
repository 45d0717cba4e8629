package io.corral.cli;

import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.nio.file.Path;

/**
 * The commands' one port to the cluster: the calls they make, nothing else. The real implementation wraps
 * {@code CorralClient}; unit tests use a fake, so every command's output and exit code can be checked without a network.
 *
 * <p>Every method throws {@link CliException} (with the cluster's error code) on an error reply or a transport failure.
 */
public interface ClusterSession extends AutoCloseable {

    /** Sends a request once. For writes that must not be repeated blindly (cancel, lock acquire, release...). */
    <R extends Response> R call(Request request, Class<R> type);

    /** Sends a request, retrying while the cluster is unavailable. Only for reads and idempotent writes. */
    <R extends Response> R callWithRetry(Request request, Class<R> type);

    /** Uploads an image unless the cluster already holds its bytes, and returns its content address. */
    ImageRef upload(Path file, long maxImageBytes);

    @Override
    void close();

    /** How to reach the cluster; {@code coordinators} is the comma-separated host:port list as the user gave it. */
    record Settings(String coordinators, long connectTimeoutMs, long requestTimeoutMs, String clientName) {}

    /** Opens sessions; {@link Main} holds one so tests can substitute a fake. */
    @FunctionalInterface
    interface Factory {
        ClusterSession open(Settings settings);
    }
}
