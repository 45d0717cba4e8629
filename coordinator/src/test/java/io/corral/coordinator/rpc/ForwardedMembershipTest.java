package io.corral.coordinator.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.auth.Principal;
import io.corral.auth.Role;
import io.corral.coordinator.auth.TokenAuthenticator;
import io.corral.coordinator.membership.MembershipException;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.transport.Session;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Who asks for a membership change (issue 11): an admin's token name; through a follower, the admin the follower
 * forwards for, which the leader believes from a coordinator only. The peer role alone changes no membership.
 */
class ForwardedMembershipTest {
    private static final Request ADD = new Request.AddPeer("n4", "10.0.0.4:7200", "10.0.0.4:7201", null);

    record Connection(Principal who, String clientName) implements Session {
        @Override
        public long id() {
            return 1;
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
            return false;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    @Test
    void anAdminAsksForItself() {
        assertThat(MembershipService.admin(ADD, new Connection(new Principal("ops", Role.ADMIN), "corral-cli")))
                .isEqualTo("ops");
        assertThat(MembershipService.admin(
                        ADD, new Connection(new Principal("ops", Role.ADMIN), PeerClients.forwardedName("n2", "eve"))))
                .as("a client name is no identity")
                .isEqualTo("ops");
    }

    @Test
    void aCoordinatorForwardsForTheAdminWhoseTokenItChecked() {
        String name = PeerClients.forwardedName("n2", "ops");

        assertThat(name).isEqualTo("forwarded:n2:for:ops");
        assertThat(MembershipService.admin(ADD, new Connection(TokenAuthenticator.PEER, name)))
                .isEqualTo("ops");
        assertThat(PeerClients.onBehalfOf("forwarded:n2")).isNull();
        assertThat(PeerClients.onBehalfOf("corral-cli")).isNull();
    }

    @Test
    void thePeerRoleAloneChangesNoMembership() {
        for (String name : new String[] {"peer:n2", "forwarded:n2", "corral-cli"}) {
            assertThatThrownBy(() -> MembershipService.admin(ADD, new Connection(TokenAuthenticator.PEER, name)))
                    .isInstanceOfSatisfying(
                            MembershipException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED))
                    .hasMessage("membership changes come from an admin: a coordinator forwards one only on an admin's"
                            + " behalf");
        }
        // Reading the configuration is status: any role the table admits, the peer's included.
        assertThat(MembershipService.admin(
                        new Request.GetMembership(), new Connection(TokenAuthenticator.PEER, "peer:n2")))
                .isNull();
        assertThat(MembershipService.admin(ADD, new Connection(null, "anyone"))).isNull();
    }
}
