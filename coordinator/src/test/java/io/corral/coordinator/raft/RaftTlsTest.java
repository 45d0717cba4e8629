package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.coordinator.cluster.TestPki;
import io.corral.coordinator.config.ConfigException;
import io.corral.coordinator.config.ConfigLoader;
import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.tls.TlsMaterial;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Raft transport's TLS: built from the tls section, mutual, and closed to certificates that are not a member's. */
class RaftTlsTest {
    @TempDir
    static Path dir;

    static Path pki;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestPki.generate(dir.resolve("pki"), "n1=127.0.0.1", "client:alice");
    }

    static CoordinatorConfig config(Map<String, String> extra) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("nodeId", "n1");
        o.put("dataDir", "\"" + dir.resolve("data") + "\"");
        o.put("raftAddress", "\"127.0.0.1:1\"");
        o.put("rpcAddress", "\"127.0.0.1:2\"");
        o.put("httpAddress", "\"127.0.0.1:3\"");
        o.put(
                "peers",
                ConfigLoader.parsePeersFlag(
                                "n1=127.0.0.1:1/127.0.0.1:2/127.0.0.1:3,n2=127.0.0.2:1/127.0.0.2:2/127.0.0.2:3,"
                                        + "n3=127.0.0.3:1/127.0.0.3:2/127.0.0.3:3")
                        .toString());
        o.putAll(extra);
        return ConfigLoader.load(null, o);
    }

    static Map<String, String> tls(String cert) {
        return Map.of(
                "tls.certChain", "\"" + pki.resolve(cert + ".crt") + "\"",
                "tls.privateKey", "\"" + pki.resolve(cert + ".key") + "\"",
                "tls.trustedCa", "\"" + pki.resolve("ca.crt") + "\"");
    }

    static X509Certificate[] chain(String name) {
        return TlsMaterial.certificates("t", pki.resolve(name + ".crt")).toArray(new X509Certificate[0]);
    }

    @Test
    void withoutATlsSectionRaftIsPlainGrpc() {
        assertThat(GrpcConfigKeys.TLS.conf(RaftTls.parameters(config(Map.of()))))
                .isNull();
    }

    @Test
    void withOneItIsMutualTls() {
        var conf = GrpcConfigKeys.TLS.conf(RaftTls.parameters(config(tls("n1"))));

        assertThat(conf).isNotNull();
        assertThat(conf.isMutualTls()).isTrue();
    }

    @Test
    void aCertificateFileThatCannotBeUsedIsAConfigurationErrorNamingItsKey() {
        assertThatThrownBy(() -> RaftTls.parameters(config(Map.of(
                        "tls.certChain", "\"" + pki.resolve("n1.crt") + "\"",
                        "tls.privateKey", "\"" + pki.resolve("alice.key") + "\"",
                        "tls.trustedCa", "\"" + pki.resolve("ca.crt") + "\""))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config error at 'tls.privateKey': " + pki.resolve("alice.key")
                        + ": does not belong to the certificate CN=n1");
    }

    @Test
    void onlyCertificatesForTlsServersMayJoinTheRaftConversation() throws Exception {
        X509ExtendedTrustManager pkix = (X509ExtendedTrustManager)
                TlsMaterial.trustManagers("ca", pki.resolve("ca.crt")).getTrustManagers()[0];
        RaftTls.CoordinatorsOnly trust = new RaftTls.CoordinatorsOnly(pkix);

        trust.checkClientTrusted(chain("n1"), "ECDHE_ECDSA");
        // Signed by the same CA, but a client's: a worker holding it must not append entries.
        pkix.checkClientTrusted(chain("alice"), "ECDHE_ECDSA");
        assertThatThrownBy(() -> trust.checkClientTrusted(chain("alice"), "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class)
                .hasMessage("the Raft port takes coordinators only, and CN=alice is no coordinator certificate (it"
                        + " lacks extended key usage serverAuth)");
        // As a client of its peers, a member checks them as PKIX does (host names included, by gRPC).
        trust.checkServerTrusted(chain("n1"), "ECDHE_ECDSA");
    }
}
