package io.corral.coordinator.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.auth.Principal;
import io.corral.auth.Role;
import io.corral.coordinator.auth.TokenAuthenticator;
import io.corral.coordinator.membership.MembershipException;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Request;
import org.junit.jupiter.api.Test;

/**
 * Who asks for a membership change (issue 11): an admin's token name; through a follower, the admin the follower
 * forwards for, which the leader believes from a coordinator only. The peer role alone changes no membership.
 */
class ForwardedMembershipTest {
    private static final Request ADD = new Request.AddPeer("n4", "10.0.0.4:7200", "10.0.0.4:7201", null);

    private static TestSession connection(Principal who, String clientName) {
        return new TestSession(1, who, clientName);
    }

    @Test
    void anAdminAsksForItself() {
        assertThat(MembershipService.admin(ADD, connection(new Principal("ops", Role.ADMIN), "corral-cli")))
                .isEqualTo("ops");
        assertThat(MembershipService.admin(
                        ADD, connection(new Principal("ops", Role.ADMIN), PeerClients.forwardedName("n2", "eve"))))
                .as("a client name is no identity")
                .isEqualTo("ops");
    }

    @Test
    void aCoordinatorForwardsForTheAdminWhoseTokenItChecked() {
        String name = PeerClients.forwardedName("n2", "ops");

        assertThat(name).isEqualTo("forwarded:n2:for:ops");
        assertThat(MembershipService.admin(ADD, connection(TokenAuthenticator.PEER, name)))
                .isEqualTo("ops");
        assertThat(PeerClients.onBehalfOf("forwarded:n2")).isNull();
        assertThat(PeerClients.onBehalfOf("corral-cli")).isNull();
    }

    @Test
    void thePeerRoleAloneChangesNoMembership() {
        for (String name : new String[] {"peer:n2", "forwarded:n2", "corral-cli"}) {
            assertThatThrownBy(() -> MembershipService.admin(ADD, connection(TokenAuthenticator.PEER, name)))
                    .isInstanceOfSatisfying(
                            MembershipException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED))
                    .hasMessage("membership changes come from an admin: a coordinator forwards one only on an admin's"
                            + " behalf");
        }
        // Reading the configuration is status: any role the table admits, the peer's included.
        assertThat(MembershipService.admin(new Request.GetMembership(), connection(TokenAuthenticator.PEER, "peer:n2")))
                .isNull();
        assertThat(MembershipService.admin(ADD, connection(null, "anyone"))).isNull();
    }
}
