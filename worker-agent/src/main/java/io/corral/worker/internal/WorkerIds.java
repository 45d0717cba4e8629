package io.corral.worker.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The worker's default id: host name plus a random suffix, generated once and kept in the state directory. Stable
 * across restarts so that the coordinators see the same worker come back (its leases, its history), yet unique
 * when two workers run on one host with different state directories.
 */
public final class WorkerIds {
    static final String FILE = "worker-id";
    private static final int SUFFIX_BYTES = 4;

    private WorkerIds() {}

    /** Reads the id kept in {@code stateDir}, or makes one from the host name and stores it. */
    public static String loadOrCreate(Path stateDir) throws IOException {
        return loadOrCreate(stateDir, WorkerIds::hostName);
    }

    static String loadOrCreate(Path stateDir, Supplier<String> hostName) throws IOException {
        Path file = stateDir.resolve(FILE);
        if (Files.isRegularFile(file)) {
            String id = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (!id.isEmpty()) {
                return id;
            }
        }
        byte[] suffix = new byte[SUFFIX_BYTES];
        new SecureRandom().nextBytes(suffix);
        String id = sanitize(hostName.get()) + "-" + HexFormat.of().formatHex(suffix);
        Files.createDirectories(stateDir);
        // Written aside and moved, so a crash mid-write never leaves a half id that a restart would adopt.
        Path tmp = stateDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return id;
    }

    static String sanitize(String host) {
        String s = host == null ? "" : host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
        if (s.length() > 64) {
            s = s.substring(0, 64);
        }
        return s.isEmpty() ? "worker" : s;
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "worker";
        }
    }
}
