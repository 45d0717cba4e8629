package io.corral.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.client.HostPort;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.PeerView;
import io.corral.protocol.Response;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectorTest {
    static final HostPort N1 = new HostPort("10.0.0.1", 7201);
    static final HostPort N2 = new HostPort("10.0.0.2", 7201);
    static final List<HostPort> CONFIGURED = List.of(N1, N2);

    static Response.Membership led(String leaderId, String n1Rpc, String n2Rpc) {
        return new Response.Membership(
                leaderId,
                3,
                false,
                10,
                List.of(
                        new PeerView("n1", "10.0.0.1:7101", n1Rpc, null, "VOTER", -1, -1),
                        new PeerView("n2", "10.0.0.2:7101", n2Rpc, null, "VOTER", -1, -1)));
    }

    @Test
    void movesToTheLeadersClientAddressWhenItIsConfiguredAndElsewhere() {
        assertThat(Connector.leaderToMove(led("n2", "10.0.0.1:7201", "10.0.0.2:7201"), N1, CONFIGURED))
                .isEqualTo(N2);
    }

    @Test
    void staysAtTheLeaderItself() {
        assertThat(Connector.leaderToMove(led("n1", "10.0.0.1:7201", "10.0.0.2:7201"), N1, CONFIGURED))
                .isNull();
    }

    @Test
    void neverMovesToAnAddressTheClientWasNotGiven() {
        assertThat(Connector.leaderToMove(led("n2", "10.0.0.1:7201", "10.9.9.9:7201"), N1, CONFIGURED))
                .isNull();
        // Same host, another port: not the address configured either.
        assertThat(Connector.leaderToMove(led("n2", "10.0.0.1:7201", "10.0.0.2:7999"), N1, CONFIGURED))
                .isNull();
    }

    @Test
    void staysWhenTheAnswerNamesNoUsableLeader() {
        // No leader known, a leader missing from the peers, a leader without a client address, a garbled address.
        assertThat(Connector.leaderToMove(led(null, "10.0.0.1:7201", "10.0.0.2:7201"), N1, CONFIGURED))
                .isNull();
        assertThat(Connector.leaderToMove(led("n3", "10.0.0.1:7201", "10.0.0.2:7201"), N1, CONFIGURED))
                .isNull();
        assertThat(Connector.leaderToMove(led("n2", "10.0.0.1:7201", null), N1, CONFIGURED))
                .isNull();
        assertThat(Connector.leaderToMove(led("n2", "10.0.0.1:7201", "not an address"), N1, CONFIGURED))
                .isNull();
        // Not a membership at all: an older coordinator's refusal, say.
        assertThat(Connector.leaderToMove(new Response.ErrorReply(ErrorCode.PERMISSION_DENIED, "no"), N1, CONFIGURED))
                .isNull();
        assertThat(Connector.leaderToMove(null, N1, CONFIGURED)).isNull();
    }
}
