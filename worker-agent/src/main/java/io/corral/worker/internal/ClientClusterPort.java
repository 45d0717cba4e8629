package io.corral.worker.internal;

import io.corral.client.CorralClient;
import io.corral.client.HostPort;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * {@link ClusterPort} over one {@link CorralClient}. The client reconnects to the next coordinator on the next
 * request after a connection is lost; the worker's session loop notices (a failed or "not registered" heartbeat)
 * and registers again on the new connection.
 */
public final class ClientClusterPort implements ClusterPort {
    private final CorralClient client;

    public ClientClusterPort(CorralClient client) {
        this.client = client;
    }

    @Override
    public CompletableFuture<Response> send(Request request) {
        return client.send(request);
    }

    @Override
    public void onPush(Consumer<Response> listener) {
        client.onPush(listener);
    }

    @Override
    public void onConnectionLost(Runnable listener) {
        client.onConnectionLost(listener);
    }

    @Override
    public String describe() {
        return client.connectedTo().map(Object::toString).orElse("(not connected)");
    }

    @Override
    public boolean moveTo(String rpcAddress) {
        HostPort target;
        try {
            target = HostPort.parse(rpcAddress);
        } catch (RuntimeException e) {
            return false;
        }
        return client.reconnectTo(target);
    }

    @Override
    public void close() {
        client.close();
    }
}
