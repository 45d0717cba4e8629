package io.corral.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for tests, made by the real {@code scripts/gen-certs.sh} (and, for what it deliberately cannot make,
 * an expired certificate, by openssl directly) into a temporary directory.
 */
public final class TestPki {
    private TestPki() {}

    /** What a run of a program printed and how it ended. */
    public record Run(int exitCode, String output) {}

    /** {@code scripts/gen-certs.sh}, found from the module directory Maven runs tests in. */
    public static Path script() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("scripts/gen-certs.sh");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(
                "scripts/gen-certs.sh not found above " + Path.of("").toAbsolutePath());
    }

    /** Runs gen-certs.sh with {@code --out dir} and {@code args}. */
    public static Run genCerts(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", script().toString(), "--out", dir.toString()));
        command.addAll(List.of(args));
        return run(dir.getParent(), command);
    }

    /** Runs gen-certs.sh where openssl has no configuration file (a host's /etc/ssl may lack one). */
    public static Run genCertsWithoutOpensslConfig(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                "env", "OPENSSL_CONF=/nonexistent/openssl.cnf", "bash", script().toString(), "--out", dir.toString()));
        command.addAll(List.of(args));
        return run(dir.getParent(), command);
    }

    /** Runs gen-certs.sh and fails unless it succeeds; returns {@code dir}. */
    public static Path generate(Path dir, String... args) throws IOException, InterruptedException {
        Run r = genCerts(dir, args);
        if (r.exitCode() != 0) {
            throw new IllegalStateException("gen-certs.sh failed (" + r.exitCode() + "): " + r.output());
        }
        return dir;
    }

    /**
     * A certificate {@code dir/NAME.crt} (key {@code NAME.key}) signed by {@code dir/ca.*} for {@code san} (such as
     * {@code IP:127.0.0.1}) that expired in 2020: {@code openssl ca} takes explicit dates, which gen-certs.sh does not
     * offer (nobody should make such a certificate on purpose).
     */
    public static void expired(Path dir, String name, String san) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory(dir, ".expired");
        Files.writeString(work.resolve("index.txt"), "");
        Files.writeString(work.resolve("ca.cnf"), """
                [ca]
                default_ca = ca_default
                [ca_default]
                database = %1$s/index.txt
                new_certs_dir = %1$s
                rand_serial = yes
                default_md = sha256
                policy = any
                unique_subject = no
                [any]
                commonName = supplied
                [leaf]
                basicConstraints = critical, CA:FALSE
                keyUsage = critical, digitalSignature, keyAgreement
                extendedKeyUsage = serverAuth, clientAuth
                subjectAltName = %2$s
                """.formatted(work, san));
        Path key = dir.resolve(name + ".key");
        Path csr = work.resolve(name + ".csr");
        check(run(
                dir,
                List.of(
                        "openssl",
                        "genpkey",
                        "-algorithm",
                        "EC",
                        "-pkeyopt",
                        "ec_paramgen_curve:P-256",
                        "-out",
                        key.toString())));
        check(run(
                dir,
                List.of(
                        "openssl",
                        "req",
                        "-new",
                        "-key",
                        key.toString(),
                        "-subj",
                        "/CN=" + name,
                        "-out",
                        csr.toString())));
        check(run(
                dir,
                List.of(
                        "openssl",
                        "ca",
                        "-batch",
                        "-notext",
                        "-config",
                        work.resolve("ca.cnf").toString(),
                        "-cert",
                        dir.resolve("ca.crt").toString(),
                        "-keyfile",
                        dir.resolve("ca.key").toString(),
                        "-in",
                        csr.toString(),
                        "-out",
                        dir.resolve(name + ".crt").toString(),
                        "-extensions",
                        "leaf",
                        "-startdate",
                        "20200101000000Z",
                        "-enddate",
                        "20200201000000Z")));
    }

    private static void check(Run r) {
        if (r.exitCode() != 0) {
            throw new IllegalStateException("openssl failed (" + r.exitCode() + "): " + r.output());
        }
    }

    private static Run run(Path workDir, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " did not finish within 60 s");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
