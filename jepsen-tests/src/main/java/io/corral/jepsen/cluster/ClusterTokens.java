package io.corral.jepsen.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The tokens of a harness cluster: its coordinators run with authentication on, as a deployment does, so that every
 * fault run also exercises who may do what (roles, ownership of jobs, locks and images, worker identity) while the
 * nemeses work. Made fresh for each cluster, in a private directory mounted read-only into every container:
 *
 * <ul>
 *   <li>{@code harness} (admin): readiness, membership changes, the final reads of every job;
 *   <li>four submitters in two tenants, {@code alice-1}, {@code alice-2} (tenant {@code alice}) and {@code bob-1},
 *       {@code bob-2} (tenant {@code bob}): client thread {@code t} uses {@link #submitter(int) submitter(t)}, so jobs
 *       and locks of different tenants live side by side, and two tokens of one tenant share;
 *   <li>{@code probe} (submitter, its own tenant): the per-member probes;
 *   <li>{@code mallory} (submitter, its own tenant): the hostile client, an insider holding a valid token;
 *   <li>one worker token per worker container, named as the worker ({@code w1}, ...) and its own tenant: a worker's
 *       id is its token's tenant (or tenant.suffix), so each worker registers under its own name and its leases are
 *       bound to it;
 *   <li>the peer token coordinators present to each other.
 * </ul>
 *
 * The tokens file holds SHA-256s only, in the format of {@code auth.tokensFile}; the secrets are files of mode 0600.
 */
public final class ClusterTokens implements AutoCloseable {
    /** Where the directory is mounted in every container. */
    public static final String MOUNT = "/etc/corral-auth";

    static final String TOKENS_FILE = "tokens.yaml";
    static final String PEER_FILE = "peer.token";
    static final List<String> SUBMITTERS = List.of("alice-1", "bob-1", "alice-2", "bob-2");

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final Map<String, String> secrets = new LinkedHashMap<>();
    private final List<String> workers;

    private ClusterTokens(Path dir, List<String> workers) {
        this.dir = dir;
        this.workers = List.copyOf(workers);
    }

    /** Fresh tokens for a cluster whose workers are named {@code workers}, written to a new private directory. */
    public static ClusterTokens create(List<String> workers) {
        try {
            Path dir = Files.createTempDirectory(
                    "corral-jepsen-auth",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            ClusterTokens t = new ClusterTokens(dir, workers);
            t.write();
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the cluster's tokens", e);
        }
    }

    private void write() throws IOException {
        List<String> lines = new ArrayList<>(List.of("tokens:"));
        lines.add(entry("harness", "admin", null));
        for (String s : SUBMITTERS) {
            lines.add(entry(s, "submitter", s.substring(0, s.indexOf('-'))));
        }
        lines.add(entry("probe", "submitter", null));
        lines.add(entry("mallory", "submitter", null));
        for (String w : workers) {
            lines.add(entry(w, "worker", null)); // its own tenant: a worker's id is its token's tenant
            secretFile(w + ".token", secrets.get(w));
        }
        Files.write(dir.resolve(TOKENS_FILE), lines, StandardCharsets.UTF_8);
        String peer = secret();
        secrets.put("peer", peer);
        secretFile(PEER_FILE, peer);
    }

    private String entry(String name, String role, String tenant) {
        String secret = secret();
        secrets.put(name, secret);
        return "  - {name: " + name + ", role: " + role + ", sha256: " + sha256Hex(secret)
                + (tenant == null ? "" : ", tenant: " + tenant) + "}";
    }

    private void secretFile(String name, String secret) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, secret + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    }

    static String secret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "corral_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String sha256Hex(String secret) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** The host directory holding the tokens file and the secrets, mounted at {@link #MOUNT}. */
    public Path dir() {
        return dir;
    }

    /** The admin's secret. */
    public String admin() {
        return secrets.get("harness");
    }

    /** The submitter secret of client thread {@code thread}: the four submitters in turn (alice, bob, alice, bob). */
    public String submitter(int thread) {
        return secrets.get(SUBMITTERS.get(Math.floorMod(thread, SUBMITTERS.size())));
    }

    /** The tenant of client thread {@code thread}'s submitter token. */
    public static String tenantOf(int thread) {
        String s = SUBMITTERS.get(Math.floorMod(thread, SUBMITTERS.size()));
        return s.substring(0, s.indexOf('-'));
    }

    /** The probes' secret. */
    public String probe() {
        return secrets.get("probe");
    }

    /** The hostile client's secret: a valid submitter token of a tenant of its own. */
    public String hostile() {
        return secrets.get("mallory");
    }

    /** The coordinators' settings that turn authentication on with these tokens. */
    public Map<String, String> coordinatorSettings() {
        return Map.of(
                "auth.tokensFile", MOUNT + "/" + TOKENS_FILE,
                "auth.peerTokenFile", MOUNT + "/" + PEER_FILE);
    }

    /** A worker's token file in its container. */
    public String workerTokenFile(String worker) {
        if (!workers.contains(worker)) {
            throw new IllegalArgumentException("no token for worker " + worker);
        }
        return MOUNT + "/" + worker + ".token";
    }

    /** Deletes the directory and the secrets in it. */
    @Override
    public void close() {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A leftover temporary directory of random secrets for a cluster that no longer exists is harmless.
        }
    }
}
