package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.client.CorralClient;
import io.corral.coordinator.Coordinator;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower's data directory fills up while the cluster writes, then space comes back: the follower must say it
 * cannot write, the others must keep committing, and it must catch up once it has space, without a restart (promise
 * 7). The follower's data directory is a small tmpfs of its own, so this needs root (CI runs as root); it is skipped
 * elsewhere. The harness's {@code disk} nemesis found the failure (docs/jepsen.md).
 */
@Tag("cluster")
class FullDiskClusterTest {
    /** Small Raft log segments: a full disk shows at the next segment, which Ratis preallocates. */
    static final String SEGMENT_BYTES = "65536";

    static final long DISK_BYTES = 64L << 20;

    @TempDir
    Path dir;

    @Test
    @Disabled("fails today: after a failed write (No space left on device) Ratis 3.3.0's log worker fails every later"
            + " write and the log stays CLOSED until the member restarts, while its health says it is fine; enable"
            + " with the fix (docs/jepsen.md, the disk nemesis)")
    void aFollowerWhoseDiskFilledCatchesUpOnceItHasSpaceAgain() throws Exception {
        Path root = dir.resolve("c");
        Path disk = root.resolve("n3");
        assumeTrue(mountTmpfs(disk), "needs root to mount a tmpfs for a member's data directory");
        Map<String, String> settings = LocalCluster.testSettings();
        settings.put("raft.segmentSizeBytes", SEGMENT_BYTES);
        try (LocalCluster cluster = LocalCluster.start(root, 3, settings);
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            if (cluster.awaitLeader().equals("n3")) {
                client.call(new Request.TransferLeader("n1"), Response.LeaderTransferred.class);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> !cluster.awaitLeader().equals("n3"));
            }
            Coordinator n3 = cluster.member("n3");
            write(client, 50);
            Path filler = fill(disk);
            long appliedWhenFull = applied(n3);
            write(client, 400); // several segments' worth: the follower's log must roll over into the full disk
            assertThat(applied(n3))
                    .as("n3 cannot write its log")
                    .isLessThan(cluster.leader().raft().commitIndex());
            assertThat(n3.health().healthy()).as("n3 says that it cannot write").isFalse();

            Files.delete(filler);
            long commit = cluster.leader().raft().commitIndex();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(applied(n3))
                            .as("n3 catches up once it has space (it applied %d when its disk filled)", appliedWhenFull)
                            .isGreaterThanOrEqualTo(commit));
            assertThat(n3.health().healthy()).isTrue();
        } finally {
            umount(disk);
        }
    }

    /** Acquires and releases a lock {@code count} times through the leader: two entries each. */
    static void write(CorralClient client, int count) {
        for (int i = 0; i < count; i++) {
            Response.LockGranted g = client.callWithRetry(
                    new Request.AcquireLock("disk-" + (i % 4), "test", 10_000, 0), Response.LockGranted.class, 20);
            client.callWithRetry(new Request.ReleaseLock(g.name(), g.token()), Response.LockReleased.class, 20);
        }
    }

    static long applied(Coordinator c) {
        return c.stateMachine().getLastAppliedTermIndex().getIndex();
    }

    /** Writes zeros until the file system is full; returns the filler. */
    static Path fill(Path disk) throws IOException {
        Path filler = disk.resolve("filler");
        ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
        try (FileChannel f = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            while (true) {
                zeros.clear();
                f.write(zeros);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
        return filler;
    }

    static boolean mountTmpfs(Path at) throws Exception {
        Files.createDirectories(at);
        return run(List.of("mount", "-t", "tmpfs", "-o", "size=" + DISK_BYTES, "tmpfs", at.toString()));
    }

    static void umount(Path at) throws Exception {
        run(List.of("umount", at.toString()));
    }

    static boolean run(List<String> argv) throws Exception {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(argv))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
