package io.corral.coordinator.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Certificates and tokens for secure cluster tests: the real {@code scripts/gen-certs.sh} into a temporary directory,
 * and the settings that turn TLS and tokens on in a {@link LocalCluster}.
 */
public final class TestPki {
    private TestPki() {}

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

    /** Runs {@code bash scripts/gen-certs.sh --out dir args...}, failing unless it succeeds; returns {@code dir}. */
    public static Path generate(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", script().toString(), "--out", dir.toString()));
        command.addAll(List.of(args));
        Files.createDirectories(dir.getParent());
        Process p = new ProcessBuilder(command)
                .directory(dir.getParent().toFile())
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("gen-certs.sh failed: " + out);
        }
        return dir;
    }

    /**
     * Settings for {@link LocalCluster#start}: TLS on every port with the members' certificates {@code pki/n1.crt}
     * ... (made for 127.0.0.1), client certificates as {@code clientAuth} says.
     */
    public static Map<String, String> tlsSettings(Path pki, String clientAuth) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("tls.certChain", pki.resolve("{id}.crt").toString());
        s.put("tls.privateKey", pki.resolve("{id}.key").toString());
        s.put("tls.trustedCa", pki.resolve("ca.crt").toString());
        s.put("tls.clientAuth", clientAuth);
        return s;
    }

    /** Settings that turn tokens on: the tokens file and the peer token file. */
    public static Map<String, String> authSettings(Path tokensFile, Path peerTokenFile) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("auth.tokensFile", tokensFile.toString());
        s.put("auth.peerTokenFile", peerTokenFile.toString());
        return s;
    }
}
