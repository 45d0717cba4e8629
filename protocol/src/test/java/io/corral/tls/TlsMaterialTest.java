package io.corral.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.ClientAuth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading certificates and keys: what is accepted, and the one-line error for each file that is not. */
class TlsMaterialTest {
    @TempDir
    static Path dir;

    static Path pki;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestPki.generate(dir.resolve("pki"), "n1=127.0.0.1", "n2=127.0.0.1", "client:alice");
        TestPki.expired(pki, "stale", "IP:127.0.0.1");
    }

    static void openssl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    static TlsFileException failure(Runnable load) {
        try {
            load.run();
        } catch (TlsFileException e) {
            assertThat(e.getMessage()).doesNotContain("\n");
            return e;
        }
        throw new AssertionError("expected a TlsFileException");
    }

    @Test
    void aChainAndItsKeyMakeAServerAndAClient() {
        ServerTls server = ServerTls.create(
                pki.resolve("n1.crt"), pki.resolve("n1.key"), pki.resolve("ca.crt"), ClientAuth.OPTIONAL);
        ClientTls client =
                ClientTls.create(pki.resolve("ca.crt"), pki.resolve("alice.crt"), pki.resolve("alice.key"), null);

        assertThat(server.clientAuth()).isEqualTo(ClientAuth.OPTIONAL);
        assertThat(client.hasCertificate()).isTrue();
        assertThat(client.toString()).contains("alice.crt").doesNotContain("BEGIN");
    }

    @Test
    void aMissingFileIsNamedWithWhatItIsFor() {
        TlsFileException e = failure(() -> TlsMaterial.trustManagers("tls.trustedCa", dir.resolve("nope.crt")));

        assertThat(e).hasMessage("tls.trustedCa " + dir.resolve("nope.crt") + ": no such file");
        assertThat(e.what()).isEqualTo("tls.trustedCa");
    }

    @Test
    void aFileWithoutAPemCertificateIsRefused() throws Exception {
        Path der = dir.resolve("ca.der");
        openssl("x509", "-in", pki.resolve("ca.crt").toString(), "-outform", "DER", "-out", der.toString());

        assertThat(failure(() -> TlsMaterial.trustManagers("--tls-ca", der)))
                .hasMessage("--tls-ca " + der + ": holds no PEM certificate ('-----BEGIN CERTIFICATE-----')");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() {
        assertThat(failure(() -> TlsMaterial.keyManagers(
                        "tls.certChain", pki.resolve("n1.crt"), "tls.privateKey", pki.resolve("n2.key"))))
                .hasMessage("tls.privateKey " + pki.resolve("n2.key") + ": does not belong to the certificate CN=n1");
    }

    @Test
    void anExpiredCertificateIsRefusedAtStartUp() {
        assertThat(failure(() -> TlsMaterial.keyManagers(
                        "tls.certChain", pki.resolve("stale.crt"), "tls.privateKey", pki.resolve("stale.key"))))
                .hasMessage("tls.certChain " + pki.resolve("stale.crt")
                        + ": the certificate expired on 2020-02-01T00:00:00Z");
    }

    @Test
    void pkcs1AndEncryptedKeysAreRefusedWithTheCommandThatConvertsThem() throws Exception {
        Path pkcs1 = dir.resolve("rsa1.key");
        openssl("genrsa", "-traditional", "-out", pkcs1.toString(), "2048");
        Path encrypted = dir.resolve("enc.key");
        openssl(
                "pkcs8",
                "-topk8",
                "-in",
                pki.resolve("n1.key").toString(),
                "-passout",
                "pass:x",
                "-out",
                encrypted.toString());

        assertThat(failure(() -> TlsMaterial.keyManagers("c", pki.resolve("n1.crt"), "--tls-key", pkcs1)))
                .hasMessageStartingWith("--tls-key " + pkcs1 + ": is a PKCS#1/SEC1 key; convert it to PKCS#8")
                .hasMessageEndingWith("openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        assertThat(failure(() -> TlsMaterial.keyManagers("c", pki.resolve("n1.crt"), "--tls-key", encrypted)))
                .hasMessageStartingWith("--tls-key " + encrypted + ": is encrypted;");
    }

    @Test
    void rsaKeysInPkcs8WorkToo() throws Exception {
        Path key = dir.resolve("rsa.key");
        Path crt = dir.resolve("rsa.crt");
        openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                crt.toString(),
                "-subj",
                "/CN=rsa",
                "-days",
                "2");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");

        assertThat(TlsMaterial.keyManagers("c", crt, "k", key).getKeyManagers()).hasSize(1);
    }

    @Test
    void aClientCertificateNeedsItsKey() {
        assertThatThrownBy(() -> ClientTls.create(
                        ClientTls.Names.FLAGS, pki.resolve("ca.crt"), pki.resolve("alice.crt"), null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a client certificate needs its key: give both --tls-cert and --tls-key, or neither");
        assertThatThrownBy(() -> ClientTls.create(ClientTls.Names.FLAGS, null, null, null, null))
                .hasMessage("--tls-ca is needed to use TLS: the CA bundle to trust");
    }
}
