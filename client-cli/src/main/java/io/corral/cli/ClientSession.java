package io.corral.cli;

import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.client.HostPort;
import io.corral.client.ImageUpload;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.tls.ClientTls;
import io.corral.tls.TlsFileException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The real {@link ClusterSession}: a {@link CorralClient}, with its errors turned into {@link CliException}s. */
final class ClientSession implements ClusterSession {
    /**
     * Attempts of a retried call. The client backs off from 100 ms doubling to 5 s between them, so eight attempts
     * wait about 11 s in all: longer than a leader election, short enough for a person at a terminal.
     */
    static final int RETRY_ATTEMPTS = 8;

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    private final CorralClient client;

    private ClientSession(CorralClient client) {
        this.client = client;
    }

    static ClusterSession open(Settings settings) {
        return new ClientSession(client(settings));
    }

    /**
     * A connected client library instance, for commands that need more than a session's calls (pushes, asynchronous
     * sends). Its errors are not translated: pass them through {@link #translate}.
     */
    static CorralClient client(Settings settings) {
        List<HostPort> coordinators;
        try {
            coordinators = HostPort.parseList(settings.coordinators());
        } catch (IllegalArgumentException e) {
            throw CliException.usage("invalid coordinator list '" + settings.coordinators() + "': " + e.getMessage());
        }
        ClientOptions options = ClientOptions.builder(coordinators)
                .connectTimeoutMs(settings.connectTimeoutMs())
                .requestTimeoutMs(settings.requestTimeoutMs())
                .clientName(settings.clientName())
                .tls(tls(settings.tls()))
                .token(settings.token())
                .followLeader(settings.followLeader())
                .build();
        try {
            return CorralClient.connect(options);
        } catch (RuntimeException e) {
            // The client's message names the coordinators it tried and the last error. It may arrive wrapped (in a
            // CompletionException from the client's cleanup), and must still be reported as the cluster error it is.
            throw translate(e);
        }
    }

    /** The TLS the options ask for, or null; a file that cannot be used is a usage error naming its option. */
    static ClientTls tls(ClusterSession.Tls tls) {
        if (!tls.enabled()) {
            if (tls.cert() != null || tls.key() != null || tls.serverName() != null) {
                throw CliException.usage("--tls-cert, --tls-key and --tls-server-name need --tls-ca (or "
                        + Main.TLS_CA_ENV + "): the CA bundle of the coordinators' certificates");
            }
            return null;
        }
        try {
            return ClientTls.create(ClientTls.Names.FLAGS, tls.ca(), tls.cert(), tls.key(), tls.serverName());
        } catch (TlsFileException | IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    @Override
    public <R extends Response> R call(Request request, Class<R> type) {
        try {
            return client.call(request, type);
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public <R extends Response> R callWithRetry(Request request, Class<R> type) {
        try {
            return client.callWithRetry(request, type, RETRY_ATTEMPTS);
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public ImageRef upload(Path file, long maxImageBytes) {
        try {
            return ImageUpload.upload(client, file, maxImageBytes);
        } catch (RuntimeException e) {
            RuntimeException translated = translate(e);
            if (translated instanceof CliException c) {
                throw new CliException(c.code(), c.exitCode(), "uploading " + file + ": " + c.getMessage());
            }
            throw translated;
        } catch (IOException e) {
            throw new CliException("IO_ERROR", ExitCodes.FAILURE, "cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Never fails: the command's outcome is already decided, and a hiccup while hanging up must not change it. */
    @Override
    public void close() {
        try {
            client.close();
        } catch (RuntimeException e) {
            log.debug("closing the client failed", e);
        }
    }

    /** The cluster error inside {@code e}, as the CLI reports it; anything else is rethrown as it is (a bug). */
    static RuntimeException translate(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CorralException c) {
                return CliException.of(c.code(), c.getMessage());
            }
        }
        return e;
    }
}
