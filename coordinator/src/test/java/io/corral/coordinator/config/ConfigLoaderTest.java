package io.corral.coordinator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration: YAML, defaults, flag overrides, and an error naming the offending key for each mistake. */
class ConfigLoaderTest {
    @TempDir
    Path dir;

    static final String VALID = """
            nodeId: n2
            dataDir: /var/lib/corral/n2
            raftAddress: 10.0.0.2:7101
            rpcAddress: 10.0.0.2:7201
            httpAddress: 10.0.0.2:7301
            peers:
              - {id: n1, raft: "10.0.0.1:7101", rpc: "10.0.0.1:7201", http: "10.0.0.1:7301"}
              - {id: n2, raft: "10.0.0.2:7101", rpc: "10.0.0.2:7201", http: "10.0.0.2:7301"}
              - {id: n3, raft: "10.0.0.3:7101", rpc: "10.0.0.3:7201", http: "10.0.0.3:7301"}
            raft:
              snapshotThresholdEntries: 500
            """;

    Path write(String yaml) throws Exception {
        return Files.writeString(dir.resolve("coordinator.yaml"), yaml);
    }

    @Test
    void readsTheFileAndKeepsDefaultsForWhatItDoesNotSay() throws Exception {
        CoordinatorConfig c = ConfigLoader.load(write(VALID), Map.of());
        assertThat(c.nodeId()).isEqualTo("n2");
        assertThat(c.peers()).hasSize(3);
        assertThat(c.raft().snapshotThresholdEntries()).isEqualTo(500);
        assertThat(c.raft().electionTimeoutMinMs())
                .isEqualTo(CoordinatorConfig.Raft.defaults().electionTimeoutMinMs());
        assertThat(c.limits().maxImageBytes()).isEqualTo(50L * 1024 * 1024);
        assertThat(c.self().rpc()).isEqualTo("10.0.0.2:7201");
    }

    @Test
    void flagsOverrideTheFile() throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("raft.snapshotThresholdEntries", "42");
        o.put("retention.blobsMs", "1000");
        CoordinatorConfig c = ConfigLoader.load(write(VALID), o);
        assertThat(c.raft().snapshotThresholdEntries()).isEqualTo(42);
        assertThat(c.retention().blobsMs()).isEqualTo(1000);
    }

    @Test
    void theLeaderTransferBoundOnShutdownDefaultsToFiveSecondsAndZeroTurnsItOff() throws Exception {
        assertThat(ConfigLoader.load(write(VALID), Map.of()).shutdown().leaderTransferTimeoutMs())
                .isEqualTo(5_000);
        assertThat(ConfigLoader.load(write(VALID), Map.of("shutdown.leaderTransferTimeoutMs", "0"))
                        .shutdown()
                        .leaderTransferTimeoutMs())
                .isZero();
        expectKey(VALID + "shutdown:\n  leaderTransferTimeoutMs: -1\n", "shutdown.leaderTransferTimeoutMs");
        expectKey(VALID + "shutdown:\n  leaderTransferTimeoutMs: 60001\n", "shutdown.leaderTransferTimeoutMs");
    }

    @Test
    void thePortsLimitsHaveTheirDefaultsAndAreChecked() throws Exception {
        CoordinatorConfig c = ConfigLoader.load(write(VALID), Map.of());
        assertThat(c.limits().maxPreAuthFrameBytes()).isEqualTo(64 * 1024);
        assertThat(c.limits().maxPreAuthConnectionsPerAddress()).isEqualTo(64);
        assertThat(c.limits().maxUnfinishedFrameBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(c.limits().frameTimeoutMs()).isEqualTo(30_000);
        assertThat(c.limits().handshakeTimeoutMs()).isEqualTo(10_000);
        assertThat(c.http()).isEqualTo(new CoordinatorConfig.Http(256, 8192, 65536, 10_000, 60_000));

        expectKey(VALID + "limits:\n  maxPreAuthFrameBytes: 3000000\n", "limits.maxPreAuthFrameBytes");
        expectKey(VALID + "limits:\n  maxPreAuthConnectionsPerAddress: 0\n", "limits.maxPreAuthConnectionsPerAddress");
        // Room for one whole frame at least, and for four of the largest frames allowed before Hello.
        expectKey(VALID + "limits:\n  maxUnfinishedFrameBytes: 1048576\n", "limits.maxUnfinishedFrameBytes");
        expectKey(
                VALID + "limits:\n  maxPreAuthFrameBytes: 1048576\n  maxUnfinishedFrameBytes: 2097152\n",
                "limits.maxUnfinishedFrameBytes");
        expectKey(VALID + "limits:\n  frameTimeoutMs: 0\n", "limits.frameTimeoutMs");
        expectKey(VALID + "limits:\n  handshakeTimeoutMs: 50\n", "limits.handshakeTimeoutMs");
        expectKey(VALID + "http:\n  maxConnections: 0\n", "http.maxConnections");
        expectKey(VALID + "http:\n  maxHeaderBytes: 100\n", "http.maxHeaderBytes");
        expectKey(VALID + "http:\n  maxBodyBytes: -1\n", "http.maxBodyBytes");
        expectKey(VALID + "http:\n  requestTimeoutMs: 10\n", "http.requestTimeoutMs");
        expectKey(VALID + "http:\n  idleTimeoutMs: 10\n", "http.idleTimeoutMs");
        expectKey(VALID + "http:\n  maxRequestBytes: 10\n", "http.maxRequestBytes");
    }

    @Test
    void peersFlagBuildsTheWholeMembership() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("nodeId", "\"a\"");
        o.put("dataDir", "\"/tmp/a\"");
        o.put("raftAddress", "\"h1:1\"");
        o.put("rpcAddress", "\"h1:2\"");
        o.put("httpAddress", "\"h1:3\"");
        o.put(
                "peers",
                ConfigLoader.parsePeersFlag("a=h1:1/h1:2/h1:3,b=h2:1/h2:2/h2:3,c=h3:1/h3:2/h3:3")
                        .toString());
        CoordinatorConfig c = ConfigLoader.load(null, o);
        assertThat(c.peers()).extracting(PeerConfig::id).containsExactly("a", "b", "c");
    }

    @Test
    void eachMistakeIsReportedWithItsKey() throws Exception {
        expectKey(VALID.replace("snapshotThresholdEntries: 500", "snapshotTreshold: 500"), "raft.snapshotTreshold");
        expectKey(VALID.replace("nodeId: n2", "nodeId: n9"), "nodeId");
        expectKey(VALID.replace("raftAddress: 10.0.0.2:7101", "raftAddress: nowhere"), "raftAddress");
        expectKey(VALID.replace("\"10.0.0.3:7101\"", "\"10.0.0.3:99999\""), "peers[2].raft");
        expectKey(
                VALID.replace(
                        "  - {id: n3, raft: \"10.0.0.3:7101\", rpc: \"10.0.0.3:7201\", http: \"10.0.0.3:7301\"}\n", ""),
                "peers");
        expectKey(
                VALID.replace("snapshotThresholdEntries: 500", "snapshotThresholdEntries: lots"),
                "raft.snapshotThresholdEntries");
        expectKey(VALID + "limits:\n  maxImageBytes: 0\n", "limits.maxImageBytes");
        expectKey(VALID.replace("id: n3", "id: n1"), "peers[2].id");
    }

    @Test
    void aJoiningMemberNeedsNoPeersButKeepsItsOwnEntryConsistent() throws Exception {
        String joining = """
                nodeId: n4
                dataDir: /var/lib/corral/n4
                raftAddress: 10.0.0.4:7101
                rpcAddress: 10.0.0.4:7201
                httpAddress: 10.0.0.4:7301
                join: true
                """;
        CoordinatorConfig c = ConfigLoader.load(write(joining), Map.of());
        assertThat(c.join()).isTrue();
        assertThat(c.peers()).isEmpty();
        // The cluster's own config, copied with join added: four peers, this one among them.
        String copied = VALID.replace("nodeId: n2", "nodeId: n4")
                .replace("raftAddress: 10.0.0.2:7101", "raftAddress: 10.0.0.4:7101")
                .replace("rpcAddress: 10.0.0.2:7201", "rpcAddress: 10.0.0.4:7201")
                .replace("httpAddress: 10.0.0.2:7301", "httpAddress: 10.0.0.4:7301")
                .replace(
                        "raft:\n",
                        "  - {id: n4, raft: \"10.0.0.4:7101\", rpc: \"10.0.0.4:7201\", http: \"10.0.0.4:7302\"}\n"
                                + "join: true\nraft:\n");
        expectKey(copied, "httpAddress");
        assertThat(ConfigLoader.load(write(copied.replace("7302", "7301")), Map.of())
                        .peers())
                .hasSize(4);
    }

    @Test
    void fourBootstrapPeersAreRefusedWithoutJoin() throws Exception {
        String four = VALID.replace(
                "raft:\n",
                "  - {id: n4, raft: \"10.0.0.4:7101\", rpc: \"10.0.0.4:7201\", http: \"10.0.0.4:7301\"}\nraft:\n");
        Path file = write(four);
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("starts with 3 or 5 coordinators, got 4")
                .hasMessageContaining("join: true");
    }

    @Test
    void aMissingFileAndAnUnknownOverrideAreErrorsToo() {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("absent.yaml"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no such file");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("raft.nope", "1")))
                .isInstanceOf(ConfigException.class)
                .extracting(e -> ((ConfigException) e).key())
                .isEqualTo("raft.nope");
    }

    @Test
    void tlsAndTokensAreOffByDefaultAndNeedTheirFilesTogether() throws Exception {
        CoordinatorConfig plain = ConfigLoader.load(write(VALID), Map.of());
        assertThat(plain.tls().enabled()).isFalse();
        assertThat(plain.tls().clientAuth()).isEqualTo("none");
        assertThat(plain.auth().enabled()).isFalse();

        CoordinatorConfig secure = ConfigLoader.load(write(VALID + """
                        tls:
                          certChain: /etc/corral/tls/n2.crt
                          privateKey: /etc/corral/tls/n2.key
                          trustedCa: /etc/corral/tls/ca.crt
                          clientAuth: require
                        auth:
                          tokensFile: /etc/corral/tokens.yaml
                          peerTokenFile: /etc/corral/peer.token
                        """), Map.of());
        assertThat(secure.tls().certChain()).isEqualTo(Path.of("/etc/corral/tls/n2.crt"));
        assertThat(secure.tls().clientAuth()).isEqualTo("require");
        assertThat(secure.auth().peerTokenFile()).isEqualTo(Path.of("/etc/corral/peer.token"));

        expectKey(VALID + "tls:\n  certChain: /a.crt\n  privateKey: /a.key\n", "tls.trustedCa");
        expectKey(VALID + "tls:\n  trustedCa: /ca.crt\n", "tls.certChain");
        expectKey(VALID + "tls:\n  clientAuth: require\n", "tls.clientAuth");
        expectKey(
                VALID + "tls:\n  certChain: /a\n  privateKey: /b\n  trustedCa: /c\n  clientAuth: always\n",
                "tls.clientAuth");
        expectKey(VALID + "tls:\n  cert: /a.crt\n", "tls.cert");
        expectKey(VALID + "auth:\n  tokensFile: /t.yaml\n", "auth.peerTokenFile");
        // A peer token alone: presented to the peers, no tokens checked here (turning auth on member by member).
        assertThat(ConfigLoader.load(write(VALID + "auth:\n  peerTokenFile: /p.token\n"), Map.of())
                        .auth()
                        .enabled())
                .isFalse();
    }

    /** A file the configuration names but that cannot be used stops the start with an error naming its key. */
    @Test
    void anUnusableCertificateOrTokenFileIsAConfigurationError() throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("tls.certChain", "\"" + dir.resolve("missing.crt") + "\"");
        o.put("tls.privateKey", "\"" + dir.resolve("missing.key") + "\"");
        o.put("tls.trustedCa", "\"" + dir.resolve("ca.crt") + "\"");
        CoordinatorConfig c = ConfigLoader.load(write(VALID), o);
        assertThatThrownBy(() -> io.corral.coordinator.auth.CoordinatorSecurity.load(c))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config error at 'tls.certChain': " + dir.resolve("missing.crt") + ": no such file");

        Path tokens = Files.writeString(dir.resolve("tokens.yaml"), "tokens: []\n");
        Path peer = Files.writeString(dir.resolve("peer.token"), "\n");
        CoordinatorConfig withAuth = ConfigLoader.load(
                write(VALID),
                Map.of(
                        "auth.tokensFile", "\"" + tokens + "\"",
                        "auth.peerTokenFile", "\"" + peer + "\""));
        assertThatThrownBy(() -> io.corral.coordinator.auth.CoordinatorSecurity.load(withAuth))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config error at 'auth.peerTokenFile': " + peer + ": is empty");
    }

    private void expectKey(String yaml, String key) throws Exception {
        Path file = write(yaml);
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config error at '" + key + "'")
                .extracting(e -> ((ConfigException) e).key())
                .isEqualTo(key);
    }
}
