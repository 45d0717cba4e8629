package io.corral.coordinator.rpc;

import io.corral.auth.Principal;
import io.corral.protocol.Response;
import io.corral.protocol.transport.Session;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;

/**
 * A connection for unit tests of what the coordinator does with a session's id, name and principal: always open, from
 * 127.0.0.1, and every push is accepted (nothing is sent).
 *
 * @param who the authenticated principal, null on a server without authentication
 */
public record TestSession(long id, Principal who, String clientName) implements Session {
    /** Session 1, named "test", authenticated as {@code who} (null: no authentication). */
    public static TestSession of(Principal who) {
        return new TestSession(1, who, "test");
    }

    /** A session without authentication, numbered {@code id}. */
    public static TestSession numbered(long id) {
        return new TestSession(id, null, "test");
    }

    @Override
    public SocketAddress remoteAddress() {
        return new InetSocketAddress("127.0.0.1", 1);
    }

    @Override
    public Optional<Principal> principal() {
        return Optional.ofNullable(who);
    }

    @Override
    public boolean push(Response message) {
        return true;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {}
}
