package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.membership.Member;
import io.corral.coordinator.membership.MembersTest;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.Test;

/** Members' RPC and HTTP addresses carried in the Raft configuration, and what a configuration without them means. */
class PeerAddressesTest {
    @Test
    void encodesAndDecodes() {
        assertThat(PeerAddresses.decode(PeerAddresses.encode("h:1", "h:2")))
                .isEqualTo(new PeerAddresses.Decoded("h:1", "h:2"));
        assertThat(PeerAddresses.decode(PeerAddresses.encode("[::1]:1", null)))
                .isEqualTo(new PeerAddresses.Decoded("[::1]:1", null));
    }

    @Test
    void anythingElseCarriesNoAddresses() {
        assertThat(PeerAddresses.decode(null)).isEqualTo(PeerAddresses.Decoded.NONE);
        assertThat(PeerAddresses.decode("")).isEqualTo(PeerAddresses.Decoded.NONE);
        assertThat(PeerAddresses.decode("10.0.0.1:7500")).isEqualTo(PeerAddresses.Decoded.NONE);
        assertThat(PeerAddresses.decode("corral:rpc=h:1,later=x,http=h:2"))
                .as("keys a later version adds are skipped")
                .isEqualTo(new PeerAddresses.Decoded("h:1", "h:2"));
    }

    @Test
    void aRaftPeerKeepsItsRaftAddressWhereRatisClientsConnect() {
        RaftPeer p = RaftNode.raftPeer(new Member("n1", "h1:7101", "h1:7201", "h1:7301"));
        assertThat(p.getAddress()).isEqualTo("h1:7101");
        assertThat(p.getClientAddress())
                .as("Ratis' client connects here: it must stay gRPC")
                .isNull();
        assertThat(p.getAdminAddress()).isNull();
        assertThat(p.getDataStreamAddress()).isEqualTo("corral:rpc=h1:7201,http=h1:7301");
    }

    @Test
    void aConfigurationWrittenWithoutAddressesTakesThemFromTheStaticPeers() {
        RaftNode node = new RaftNode(MembersTest.config(false), null);
        assertThat(node.member("n2", "h2:7101", null)).isEqualTo(new Member("n2", "h2:7101", "h2:7201", "h2:7301"));
        assertThat(node.member("n9", "h9:7101", "")).isEqualTo(new Member("n9", "h9:7101", null, null));
        assertThat(node.member("n9", "h9:7101", "corral:rpc=h9:7201"))
                .isEqualTo(new Member("n9", "h9:7101", "h9:7201", null));
    }
}
