package io.corral.jepsen.nemesis;

import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.FaultSupport;
import io.corral.jepsen.cluster.Node;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * A member's data directory fills up: {@code disk-full} on a random member, {@code disk-full-leader} on the leader.
 * Every coordinator's data directory is a size-limited file system of its own for runs with this nemesis ({@link
 * FaultSupport#dataDirLimitBytes()}, a tmpfs), which the fault fills with a filler file to the last byte; the heal
 * deletes it.
 *
 * <p>Before it heals, the fault looks at what the full disk did, for {@link DiskCheck}: whether the member's process
 * still runs (a full disk must not crash it), what its {@code /health} and {@code /live} say, whether the cluster still
 * commits a write (it must while a majority has space), and the lines of the member's log that name the full disk.
 * After deleting the filler it awaits the member's recovery: it must apply the leader's commit index again. A member
 * whose write failed cannot (Ratis' log never writes again after a failed write): it asks to be restarted, with
 * {@code /live} answering 503, and the heal restarts it then, as systemd's watchdog or a Kubernetes liveness probe
 * would; it must then recover. A member that is stuck without asking is a failure ({@link DiskCheck}).
 */
public final class DiskFull implements Nemesis {
    /** The size of every coordinator's data directory in runs with this nemesis: room for a few snapshots. */
    public static final long DATA_DIR_LIMIT_BYTES = 512L << 20;

    /** How long the cluster has to commit a probe write while the member's disk is full. */
    static final long COMMIT_WHILE_FULL_TIMEOUT_MS = 20_000;

    /** How long the member has to apply the leader's commit index once it has space again (it took under 1 s). */
    static final long RECOVERY_TIMEOUT_MS = 30_000;

    static final String PROBE_LOCK = "jepsen-disk-probe";

    /** What a full disk looks like in a log: the JDK's and RocksDB's words for ENOSPC. */
    static final List<String> NO_SPACE_WORDS = List.of("No space left on device", "ENOSPC", "NoSpace");

    private static final String FILLER = "/var/lib/corral/jepsen-filler";

    private final String kind;
    private final boolean leader;

    private DiskFull(String kind, boolean leader) {
        this.kind = kind;
        this.leader = leader;
    }

    public static DiskFull random() {
        return new DiskFull("disk-full", false);
    }

    public static DiskFull ofLeader() {
        return new DiskFull("disk-full-leader", true);
    }

    @Override
    public String kind() {
        return kind;
    }

    /**
     * Raft log segments this small in runs with this nemesis: Ratis preallocates a segment's file when it opens it and
     * then writes into space it already has, so with the default 8 MiB a full disk would show only minutes later.
     */
    static final long SEGMENT_BYTES = 64 << 10;

    @Override
    public FaultSupport needs() {
        return new FaultSupport(
                0, DATA_DIR_LIMIT_BYTES, false, Map.of("raft.segmentSizeBytes", Long.toString(SEGMENT_BYTES)));
    }

    @Override
    public Optional<NemesisCheck> check() {
        return Optional.of(new DiskCheck());
    }

    @Override
    public Fault start(ContainerCluster cluster, Leaders leaders, Random random) {
        List<Node> coordinators = cluster.coordinators();
        Node target = leader
                ? leaders.leaderOrRandom(cluster, random)
                : coordinators.get(random.nextInt(coordinators.size()));
        Path logFile = cluster.spec().logs().resolve(target.name() + ".log");
        long logOffset = size(logFile);
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("node", target.name());
        detail.put("freeBytesLeft", fill(target));
        Admin.pause(SNAPSHOT_AFTER_MS);
        detail.put("snapshotWhileFull", snapshot(cluster, target));
        return new Fault() {
            @Override
            public String kind() {
                return kind;
            }

            @Override
            public Map<String, Object> detail() {
                return detail;
            }

            @Override
            public void heal() {
                // Each step once, so that a heal interrupted halfway (the end of the fault phase) and retried by the
                // final heal goes on where it stopped.
                if (!detail.containsKey("processRunning")) {
                    observeWhileFull(cluster, target, detail);
                    noSpaceLines(logFile, logOffset, detail);
                }
                target.exec("sh", "-c", "rm -f " + FILLER + "*");
                if (!target.running()) {
                    target.start(); // a crash is recorded above; recovery is still measured
                }
                if (!detail.containsKey("recovered")) {
                    // A member that asks to be restarted asked since its write failed, during the fault: its
                    // supervisor (the systemd watchdog, a liveness probe) has been restarting it since, and the first
                    // start with space left succeeds. So it is restarted at once; one that does not ask gets its
                    // chance to catch up by itself.
                    String live = live(target);
                    if (live.startsWith("503")) {
                        detail.put("recovered", false);
                        detail.put("liveWhenStuck", live);
                    } else if (!awaitRecovery(cluster, target, detail, "")) {
                        detail.put("liveWhenStuck", live(target));
                    }
                }
                if (Boolean.FALSE.equals(detail.get("recovered")) && !detail.containsKey("recoveredAfterRestart")) {
                    restartToRecover();
                }
            }

            /**
             * Not caught up: the supervisor's turn. What {@code /live} said is recorded (a member stuck without asking
             * to be restarted is a failure); the member is restarted either way, so that one stuck member does not
             * weaken the rest of the run.
             */
            private void restartToRecover() {
                target.kill();
                target.start();
                awaitRecovery(cluster, target, detail, "AfterRestart");
            }
        };
    }

    /** How long after the fill the member is asked for a snapshot (a checkpoint and a flush of its store). */
    static final long SNAPSHOT_AFTER_MS = 1_000;

    /** Asks the member itself for a snapshot, which needs space; returns its answer or error. */
    static String snapshot(ContainerCluster cluster, Node n) {
        try (CorralClient c = Admin.connect(cluster, n.rpcAddress(), 10_000)) {
            return c.call(new Request.TakeSnapshot(), Response.class).toString();
        } catch (CorralException | IllegalStateException e) {
            String m = String.valueOf(e.getMessage());
            return "refused: " + (m.length() > 300 ? m.substring(0, 300) : m);
        }
    }

    /** Fills the node's data file system to the last byte; returns the bytes left free (0 when it worked). */
    static long fill(Node n) {
        String script = "avail=$(df -B1 --output=avail /var/lib/corral | tail -1); "
                + "fallocate -l \"$avail\" " + FILLER + " 2>/dev/null; "
                + "dd if=/dev/zero of=" + FILLER + "-rest bs=4096 2>/dev/null; "
                + "df -B1 --output=avail /var/lib/corral | tail -1";
        return Long.parseLong(n.execOk("sh", "-c", script).strip());
    }

    static void observeWhileFull(ContainerCluster cluster, Node target, Map<String, Object> detail) {
        detail.put("processRunning", target.running());
        detail.put("health", get(target, "/health"));
        detail.put("liveWhileFull", get(target, "/live"));
        long t0 = System.nanoTime();
        boolean committed = Admin.await(COMMIT_WHILE_FULL_TIMEOUT_MS, () -> probeWrite(cluster));
        detail.put("committedWhileFull", committed);
        detail.put("commitProbeMs", (System.nanoTime() - t0) / 1_000_000);
        MemberStatus s = Admin.nodeStatus(cluster, target);
        detail.put("roleWhileFull", s == null ? "NOT_ANSWERING" : s.role());
    }

    /** One write through the cluster: acquire and release a lock no workload uses. */
    static boolean probeWrite(ContainerCluster cluster) {
        try (CorralClient c = Admin.connect(cluster, cluster.memberRpcAddresses(), 5_000)) {
            Response.LockGranted g =
                    c.call(new Request.AcquireLock(PROBE_LOCK, "jepsen-nemesis", 2_000, 0), Response.LockGranted.class);
            c.call(new Request.ReleaseLock(PROBE_LOCK, g.token()), Response.class);
            return true;
        } catch (CorralException | IllegalStateException e) {
            return false;
        }
    }

    /** What {@code /live} answers: {@code 200 ...} or {@code 503 <why it asks to be restarted>}. */
    static String live(Node n) {
        return get(n, "/live");
    }

    /** {@code 200 ok} or {@code 503 <first line>}, or why the member did not answer. */
    static String get(Node n, String path) {
        try {
            HttpResponse<String> r = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://" + n.httpAddress() + path))
                                    .timeout(Duration.ofSeconds(3))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            String body = r.body().strip();
            int eol = body.indexOf('\n');
            return r.statusCode() + " " + (eol < 0 ? body : body.substring(0, eol));
        } catch (IOException e) {
            return "no answer: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Counts the member's log lines written during the fault that name the full disk; keeps the first. */
    static void noSpaceLines(Path logFile, long from, Map<String, Object> detail) {
        long count = 0;
        String first = null;
        for (String line : readFrom(logFile, from)) {
            if (NO_SPACE_WORDS.stream().anyMatch(line::contains)) {
                count++;
                if (first == null) {
                    first = line.length() > 300 ? line.substring(0, 300) : line;
                }
            }
        }
        detail.put("noSpaceLogLines", count);
        if (first != null) {
            detail.put("firstNoSpaceLine", first);
        }
    }

    /** Awaits the member applying the leader's commit index; records how it went under keys ending in {@code suffix}. */
    static boolean awaitRecovery(ContainerCluster cluster, Node target, Map<String, Object> detail, String suffix) {
        long t0 = System.nanoTime();
        long[] commit = {-1};
        long[] applied = {-1};
        boolean ok = Admin.await(RECOVERY_TIMEOUT_MS, () -> {
            Response.Membership m = Admin.membership(cluster);
            MemberStatus s = Admin.nodeStatus(cluster, target);
            // A member whose Raft member is not running reports the index it stopped at: not caught up, whatever it is.
            if (m == null || s == null || m.commitIndex() < 0 || "NOT_RUNNING".equals(s.role())) {
                return false;
            }
            commit[0] = Math.max(commit[0], m.commitIndex());
            applied[0] = s.appliedIndex();
            return applied[0] >= commit[0];
        });
        detail.put("recovered" + suffix, ok);
        detail.put("recoveryMs" + suffix, (System.nanoTime() - t0) / 1_000_000);
        if (!ok) {
            detail.put("appliedIndex" + suffix, applied[0]);
            detail.put("commitIndex" + suffix, commit[0]);
        }
        return ok;
    }

    static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    static List<String> readFrom(Path file, long from) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            if (length <= from) {
                return List.of();
            }
            f.seek(from);
            byte[] bytes = new byte[(int) Math.min(length - from, 64L << 20)];
            f.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
