package io.corral.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/gen-certs.sh, run with bash into a temporary directory, its files read back as Corral reads them. */
class GenCertsScriptTest {
    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    @TempDir
    Path dir;

    static X509Certificate cert(Path file) {
        return TlsMaterial.certificates("test", file).get(0);
    }

    @Test
    void makesACaCoordinatorsAndClientsWithTheirNamesUsagesAndPermissions() throws Exception {
        Path out = TestPki.generate(
                dir.resolve("tls"),
                "--ca-name",
                "Test Corral CA",
                "n1=10.0.0.1,corral-1.internal",
                "n2=::1,localhost",
                "client:admin");

        X509Certificate ca = cert(out.resolve("ca.crt"));
        assertThat(ca.getSubjectX500Principal().getName()).isEqualTo("CN=Test Corral CA");
        assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);

        X509Certificate n1 = cert(out.resolve("n1.crt"));
        n1.verify(ca.getPublicKey());
        assertThat(n1.getSubjectAlternativeNames())
                .containsExactlyInAnyOrder(List.of(7, "10.0.0.1"), List.of(2, "corral-1.internal"));
        assertThat(n1.getExtendedKeyUsage()).containsExactlyInAnyOrder(SERVER_AUTH, CLIENT_AUTH);
        assertThat(n1.getBasicConstraints()).isEqualTo(-1);
        assertThat(Duration.between(Instant.now(), n1.getNotAfter().toInstant()).toDays())
                .isBetween(823L, 825L);
        assertThat(cert(out.resolve("n2.crt")).getSubjectAlternativeNames())
                .containsExactlyInAnyOrder(List.of(7, "0:0:0:0:0:0:0:1"), List.of(2, "localhost"));

        X509Certificate admin = cert(out.resolve("admin.crt"));
        admin.verify(ca.getPublicKey());
        assertThat(admin.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(admin.getSubjectAlternativeNames()).isNull();

        for (String key : List.of("ca.key", "n1.key", "n2.key", "admin.key")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve(key))))
                    .as(key)
                    .isEqualTo("rw-------");
            assertThat(Files.readString(out.resolve(key))).startsWith("-----BEGIN PRIVATE KEY-----");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("n1.crt"))))
                .isEqualTo("rw-r--r--");
        // Every key is usable with its certificate.
        TlsMaterial.keyManagers("n1", out.resolve("n1.crt"), "n1 key", out.resolve("n1.key"));
        TlsMaterial.keyManagers("admin", out.resolve("admin.crt"), "admin key", out.resolve("admin.key"));
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            "ca.crt", "ca.key", "n1.crt", "n1.key", "n2.crt", "n2.key", "admin.crt", "admin.key");
        }
    }

    @Test
    void runningAgainChangesNothingAndRenewReissuesUnderTheSameCa() throws Exception {
        Path out = TestPki.generate(dir.resolve("tls"), "n1=127.0.0.1", "client:ci");
        byte[] ca = Files.readAllBytes(out.resolve("ca.crt"));
        byte[] n1 = Files.readAllBytes(out.resolve("n1.crt"));
        byte[] n1Key = Files.readAllBytes(out.resolve("n1.key"));

        TestPki.Run again = TestPki.genCerts(out, "n1=127.0.0.1", "client:ci", "n2=127.0.0.2");
        assertThat(again.exitCode()).isZero();
        assertThat(again.output()).contains("ca: kept").contains("n1: kept").contains("n2: made");
        assertThat(Files.readAllBytes(out.resolve("ca.crt"))).isEqualTo(ca);
        assertThat(Files.readAllBytes(out.resolve("n1.crt"))).isEqualTo(n1);

        TestPki.Run renewed = TestPki.genCerts(out, "--renew", "n1=127.0.0.1");
        assertThat(renewed.exitCode()).isZero();
        assertThat(Files.readAllBytes(out.resolve("ca.crt"))).isEqualTo(ca);
        assertThat(Files.readAllBytes(out.resolve("n1.crt"))).isNotEqualTo(n1);
        assertThat(Files.readAllBytes(out.resolve("n1.key"))).isNotEqualTo(n1Key);
        cert(out.resolve("n1.crt")).verify(cert(out.resolve("ca.crt")).getPublicKey());
    }

    /**
     * Without the system's openssl.cnf (the hosts of SecuredInstallTest had none) the script used to exit 1 without a
     * word after making the CA; it now brings its own request configuration, and names the step if openssl fails.
     */
    @Test
    void worksWithoutTheSystemsOpensslConfiguration() throws Exception {
        Path out = dir.resolve("no-conf");

        TestPki.Run r = TestPki.genCertsWithoutOpensslConfig(out, "n1=10.0.0.1", "client:ops");

        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(cert(out.resolve("n1.crt")).getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1");
        assertThat(out.resolve("ops.key")).exists();
    }

    @Test
    void aBadSpecIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path out = dir.resolve("tls");
        for (String[] args : List.of(
                new String[] {"n1=127.0.0.1", "n2"},
                new String[] {"n1="},
                new String[] {"n1=10.0.0.1", "n1=10.0.0.2"},
                new String[] {"ca=10.0.0.1"},
                new String[] {"n1=a b"},
                new String[] {"--days", "0", "n1=10.0.0.1"})) {
            TestPki.Run r = TestPki.genCerts(out, args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.output()).startsWith("gen-certs.sh: ");
            assertThat(out).doesNotExist();
        }
        TestPki.Run noOut = TestPki.genCerts(out, "n1=1.2.3.4");
        assertThat(noOut.exitCode()).isZero();
    }
}
