package io.corral.worker.internal;

import io.corral.tls.ClientTls;
import io.corral.tls.TlsFileException;
import io.corral.worker.WorkerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The worker's TLS and token, from its configuration, read once at start-up. A file that cannot be used is a
 * {@link ConfigException} naming its key; the token itself never appears in one.
 */
public final class WorkerSecurity {
    private WorkerSecurity() {}

    /** TLS towards the coordinators, or null for plain TCP. */
    public static ClientTls tls(WorkerConfig config) {
        WorkerConfig.Tls t = config.tls();
        if (t == null || !t.enabled()) {
            return null;
        }
        try {
            return ClientTls.create(
                    ClientTls.Names.DEFAULT,
                    path(t.trustedCa()),
                    path(t.certChain()),
                    path(t.privateKey()),
                    t.serverName());
        } catch (TlsFileException e) {
            throw new ConfigException(e.what(), e.file() + ": " + e.problem());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("tls", e.getMessage());
        }
    }

    /** The token from {@code token} or {@code tokenFile}, or null when neither is set. */
    public static String token(WorkerConfig config) {
        if (config.token() != null) {
            return config.token().strip();
        }
        if (config.tokenFile() == null) {
            return null;
        }
        Path file = Path.of(config.tokenFile());
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            throw new ConfigException("tokenFile", file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException("tokenFile", file + ": cannot be read: " + e.getMessage());
        }
        if (token.isEmpty() || token.chars().anyMatch(Character::isISOControl)) {
            throw new ConfigException("tokenFile", file + ": must hold the token alone, on one line");
        }
        return token;
    }

    private static Path path(String value) {
        return value == null ? null : Path.of(value);
    }
}
