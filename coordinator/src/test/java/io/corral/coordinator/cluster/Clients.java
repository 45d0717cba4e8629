package io.corral.coordinator.cluster;

import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.HostPort;

/** Clients of a test cluster. */
public final class Clients {
    private Clients() {}

    public static CorralClient connect(String csv) {
        return CorralClient.connect(
                ClientOptions.builder(HostPort.parseList(csv)).build());
    }
}
