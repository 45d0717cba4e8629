package io.corral.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.client.HostPort;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.testing.FakeHandler;
import io.corral.protocol.transport.RpcServer;
import io.corral.protocol.transport.ServerOptions;
import io.corral.protocol.transport.ServerSecurity;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS between the client library and the RPC server over real sockets and real handshakes (the JDK's TLS), with
 * certificates made by scripts/gen-certs.sh: what works, and the one-line error each misconfiguration gives. A
 * refused connection reaches no handler.
 */
class TlsTransportTest {
    @TempDir
    static Path dir;

    static Path pki;
    static Path otherPki;

    private final FakeHandler handler = new FakeHandler();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestPki.generate(
                dir.resolve("pki"), "node=127.0.0.1,localhost", "far=10.9.9.9,far.example", "client:alice");
        TestPki.expired(pki, "stale", "IP:127.0.0.1");
        otherPki = TestPki.generate(
                dir.resolve("other"), "--ca-name", "Somebody Else", "node=127.0.0.1", "client:mallory");
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    static ServerTls serverTls(Path certs, String name, ClientAuth clientAuth) {
        return ServerTls.create(
                certs.resolve(name + ".crt"), certs.resolve(name + ".key"), pki.resolve("ca.crt"), clientAuth);
    }

    HostPort serve(ServerTls tls) throws Exception {
        RpcServer server = RpcServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                handler,
                ServerOptions.defaults().withNodeId("c1").withIoThreads(1).withShutdownTimeoutMs(100),
                new ServerSecurity(tls, null));
        resources.add(server);
        return new HostPort("127.0.0.1", server.boundAddress().getPort());
    }

    CorralClient connect(HostPort target, ClientTls tls) {
        CorralClient client = CorralClient.connect(ClientOptions.builder(List.of(target))
                .tls(tls)
                .connectRounds(1)
                .backoffBaseMs(1)
                .build());
        resources.add(client);
        return client;
    }

    static ClientTls trusting(Path ca) {
        return ClientTls.create(ca.resolve("ca.crt"), null, null, null);
    }

    static ClientTls withCertificate(Path certs, String name) {
        return ClientTls.create(
                pki.resolve("ca.crt"), certs.resolve(name + ".crt"), certs.resolve(name + ".key"), null);
    }

    static String echo(CorralClient client) {
        return client.call(new Request.GetJob("j-1", false), Response.JobSubmitted.class)
                .jobId();
    }

    /** Connecting fails with UNAUTHENTICATED and this text, and nothing reached the handler. */
    void refused(HostPort target, ClientTls tls, String text) {
        assertThatThrownBy(() -> connect(target, tls))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
                .hasMessageContaining(text)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(handler.calls).hasValue(0);
    }

    @Test
    void aClientTrustingTheCaTalksToACoordinatorWithACertificateForItsAddress() throws Exception {
        HostPort target = serve(serverTls(pki, "node", ClientAuth.NONE));

        assertThat(echo(connect(target, trusting(pki)))).isEqualTo("j-1");
    }

    @Test
    void aCertificateFromAnUnknownCaIsRefused() throws Exception {
        HostPort target = serve(serverTls(otherPki, "node", ClientAuth.NONE));

        refused(target, trusting(pki), "the coordinator's certificate is not signed by a trusted CA");
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        HostPort target = serve(ServerTls.wrap(
                SslContextBuilder.forServer(
                                pki.resolve("stale.crt").toFile(),
                                pki.resolve("stale.key").toFile())
                        .sslProvider(SslProvider.JDK)
                        .build(),
                ClientAuth.NONE));

        refused(target, trusting(pki), "the coordinator's certificate has expired");
    }

    @Test
    void aCertificateForAnotherNameIsRefusedUnlessThatNameIsWhatTheClientVerifies() throws Exception {
        HostPort target = serve(serverTls(pki, "far", ClientAuth.NONE));

        refused(target, trusting(pki), "the coordinator's certificate is not valid for the address connected to");
        // The documented way out: verify the name the certificate does carry.
        ClientTls byName = ClientTls.create(pki.resolve("ca.crt"), null, null, "far.example");
        assertThat(echo(connect(target, byName))).isEqualTo("j-1");
    }

    @Test
    void aCoordinatorRequiringClientCertificatesRefusesAClientWithoutOne() throws Exception {
        HostPort target = serve(serverTls(pki, "node", ClientAuth.REQUIRE));

        refused(target, trusting(pki), "the coordinator requires a client certificate and this client has none");
    }

    @Test
    void aCoordinatorRequiringClientCertificatesRefusesOneFromAnotherCa() throws Exception {
        HostPort target = serve(serverTls(pki, "node", ClientAuth.REQUIRE));

        refused(
                target,
                withCertificate(otherPki, "mallory"),
                "the coordinator refused this client's certificate (bad_certificate): it does not trust the CA");
    }

    @Test
    void aCoordinatorRequiringClientCertificatesServesAClientWithOne() throws Exception {
        HostPort target = serve(serverTls(pki, "node", ClientAuth.REQUIRE));

        assertThat(echo(connect(target, withCertificate(pki, "alice")))).isEqualTo("j-1");
    }

    @Test
    void aPlainClientIsToldThatTheCoordinatorTakesTlsOnly() throws Exception {
        HostPort target = serve(serverTls(pki, "node", ClientAuth.NONE));

        refused(target, null, "this coordinator accepts TLS connections only");
    }

    @Test
    void aTlsClientIsToldThatTheCoordinatorDoesNotSpeakTls() throws Exception {
        HostPort target = serve(null);

        refused(target, trusting(pki), "the coordinator did not answer with TLS");
    }
}
