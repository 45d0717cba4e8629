package io.corral.coordinator.security;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.client.HostPort;
import io.corral.coordinator.cluster.LocalCluster;
import io.corral.coordinator.config.ConfigException;
import io.corral.coordinator.config.PeerConfig;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Raft port exposes (issue 11, docs/security.md). Every address of 127.0.0.0/8 is this host's on Linux, so a
 * port bound to 127.0.0.1 alone refuses 127.0.0.2, and one bound to every interface accepts it.
 */
@Tag("cluster")
class RaftPortClusterTest {
    @TempDir
    Path dir;

    @Test
    void theRaftPortListensOnlyOnItsConfiguredHost() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings())) {
            cluster.awaitLeader();
            HostPort raft = HostPort.parse(cluster.peer(cluster.ids().get(0)).raft());

            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(raft.host(), raft.port()), 2_000);
            }
            assertThatThrownBy(() -> {
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress("127.0.0.2", raft.port()), 2_000);
                        }
                    })
                    .as("the Raft port of a member configured on %s answered on 127.0.0.2", raft)
                    .isInstanceOf(ConnectException.class);
        }
    }

    /**
     * A Raft host that is not this machine's: Ratis would end the process with its own message; the member refuses to
     * start instead, naming the setting (and starts nothing).
     */
    @Test
    void aRaftAddressNotOfThisMachineIsRefusedNamingTheSetting() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings())) {
            cluster.awaitLeader();
            // TEST-NET-1 (RFC 5737): never an address of this machine.
            PeerConfig n4 = cluster.newJoiner("n4", "192.0.2.1");

            assertThatThrownBy(() -> cluster.startMember(n4.id()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("raftAddress")
                    .hasMessageContaining(
                            "192.0.2.1:" + HostPort.parse(n4.raft()).port())
                    .hasMessageContaining("not an address of this machine");
        }
    }
}
