package io.corral.coordinator.auth;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.coordinator.config.ConfigException;
import io.corral.coordinator.config.ConfigLoader;
import io.corral.coordinator.config.CoordinatorConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tokens protect the RPC and HTTP ports; without TLS the Raft port checks nothing (issue 11: a plain Ratis client
 * cancelled a submitter's job). A member whose Raft port others can reach refuses to run like that unless told to.
 */
class RaftExposureTest {
    private static CoordinatorConfig config(String raftHost, boolean insecure) {
        return config(raftHost, insecure, true);
    }

    private static CoordinatorConfig config(String raftHost, boolean insecure, boolean tokens) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("nodeId", "n1");
        o.put("dataDir", "/var/lib/corral/n1");
        o.put("raftAddress", raftHost + ":7101");
        o.put("rpcAddress", raftHost + ":7201");
        o.put("httpAddress", raftHost + ":7301");
        o.put(
                "peers",
                "[{id: n1, raft: '" + raftHost + ":7101', rpc: '" + raftHost + ":7201', http: '" + raftHost
                        + ":7301'}, {id: n2, raft: '10.0.0.2:7101', rpc: '10.0.0.2:7201', http: '10.0.0.2:7301'},"
                        + " {id: n3, raft: '10.0.0.3:7101', rpc: '10.0.0.3:7201', http: '10.0.0.3:7301'}]");
        if (tokens) {
            o.put("auth.tokensFile", "/etc/corral/tokens.yaml");
            o.put("auth.peerTokenFile", "/etc/corral/peer.token");
        }
        if (insecure) {
            o.put("security.insecure", "true");
        }
        return ConfigLoader.load(null, o);
    }

    @Test
    void tokensWithoutTlsOnAReachableRaftPortAreRefusedNamingTheWayOut() {
        assertThatThrownBy(() -> CoordinatorSecurity.raftExposed(config("0.0.0.0", false)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("config error at 'tls'")
                .hasMessageContaining("raftAddress 0.0.0.0:7101, has no TLS")
                .hasMessageContaining("tls.certChain")
                .hasMessageContaining("security.insecure: true");
    }

    @Test
    void securityInsecureRunsItAnyway() {
        assertThatCode(() -> CoordinatorSecurity.raftExposed(config("0.0.0.0", true)))
                .doesNotThrowAnyException();
    }

    /**
     * Secure by default (issue 11): a member others can reach, with neither TLS nor tokens, refuses to start and says
     * how to secure it, unless told to run like that.
     */
    @Test
    void aReachableMemberWithoutTlsOrTokensRefusesToStart() {
        assertThatThrownBy(() -> CoordinatorSecurity.requireSecuredOffLoopback(config("0.0.0.0", false, false)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("config error at 'tls'")
                .hasMessageContaining("this member listens where others can reach it (raftAddress 0.0.0.0:7101,"
                        + " rpcAddress 0.0.0.0:7201, httpAddress 0.0.0.0:7301) with neither TLS nor tokens")
                .hasMessageContaining("scripts/gen-certs.sh")
                .hasMessageContaining("security.insecure: true");
        assertThatCode(() -> CoordinatorSecurity.requireSecuredOffLoopback(config("0.0.0.0", true, false)))
                .doesNotThrowAnyException();
        // An address that is not this machine's is the start's to refuse, naming the setting (RaftPortClusterTest).
        assertThatCode(() -> CoordinatorSecurity.requireSecuredOffLoopback(config("192.0.2.1", false, false)))
                .doesNotThrowAnyException();
        assertThatCode(() -> CoordinatorSecurity.requireSecuredOffLoopback(config("127.0.0.1", false, false)))
                .doesNotThrowAnyException();
    }

    @Test
    void onLoopbackOnlyThisMachineReachesIt() {
        assertThatCode(() -> CoordinatorSecurity.raftExposed(config("127.0.0.1", false)))
                .doesNotThrowAnyException();
        assertThatCode(() -> CoordinatorSecurity.raftExposed(config("localhost", false)))
                .doesNotThrowAnyException();
    }
}
