package io.corral.protocol.transport;

import io.corral.auth.Principal;
import io.corral.protocol.Response;
import java.net.SocketAddress;
import java.util.Optional;

/** One client or agent connection, after its handshake. Safe to use from any thread. */
public interface Session {

    /** Unique among the sessions of one server, increasing in connection order. */
    long id();

    SocketAddress remoteAddress();

    /** The name the peer gave in its {@link io.corral.protocol.Request.Hello}; for logs, never for authorization. */
    String clientName();

    /**
     * Who the connection authenticated as with its Hello's token; empty when the server has no authentication (see
     * {@link ServerSecurity}). Decides what the session may send, unlike {@link #clientName()}.
     */
    default Optional<Principal> principal() {
        return Optional.empty();
    }

    /**
     * Sends a server-initiated message (envelope id 0), such as a lease offer. Returns false, and sends nothing,
     * when the connection is closed or its outbound buffer is above its high-water mark, which means the peer is not
     * reading: the caller decides whether to retry later or give up. True means queued for writing, not delivered;
     * anything that must survive a lost connection has to be committed elsewhere first.
     *
     * @throws IllegalArgumentException if the message is larger than the frame limit (a bug in the caller)
     */
    boolean push(Response message);

    boolean isOpen();

    /** Closes the connection; in-flight requests of this session are answered nowhere. */
    void close();
}
