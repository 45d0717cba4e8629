package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.coordinator.cluster.LocalCluster;
import io.corral.protocol.codec.Json;
import io.corral.protocol.images.ImageSniffer;
import io.corral.worker.Worker;
import io.corral.worker.WorkerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code corral} command line (in-process picocli, real client library) against a real three-member cluster
 * (Ratis, RocksDB and Netty servers on loopback): every command and its JSON shape and exit code.
 */
@Tag("cluster")
class CliEndToEndTest {
    @TempDir
    static Path dir;

    static LocalCluster cluster;
    static Map<String, String> env;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.start(dir.resolve("cluster"), 3, LocalCluster.testSettings());
        env = Map.of(Main.COORDINATORS_ENV, cluster.rpcAddresses());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static CliRunner.Result corral(String... args) {
        return CliRunner.run(env, ClientSession::open, args);
    }

    static JsonNode json(CliRunner.Result r) throws IOException {
        assertThat(r.exitCode()).as("exit code; stderr: %s", r.err()).isZero();
        return Json.mapper().readTree(r.out());
    }

    @Test
    void submitADirectoryThenStatusListAndCancel() throws Exception {
        Path images = Files.createDirectories(dir.resolve("images/nested"));
        TestImages.png(images.resolve("a.png"));
        TestImages.png(images.getParent().resolve("b.png"));
        JsonNode submitted = json(corral(
                "submit",
                "--op",
                "thumbnail:64",
                "--op",
                "format:webp",
                "--priority",
                "7",
                "--label",
                "team=e2e",
                images.getParent().toString(),
                "-o",
                "json"));
        String job = submitted.get("id").asText();
        assertThat(job).startsWith("job-");

        JsonNode status = json(corral("status", job, "-o", "json"));
        assertThat(status.get("id").asText()).isEqualTo(job);
        assertThat(status.get("state").asText()).isEqualTo("PENDING");
        assertThat(status.get("tasks")).hasSize(2);
        status.get("tasks").forEach(t -> assertThat(t.get("state").asText()).isEqualTo("PENDING"));
        assertThat(corral("status", job, "--stale").out()).contains(job, "PENDING");

        JsonNode list = json(corral("list", "--state", "PENDING", "-o", "json"));
        assertThat(list.toString()).contains(job);

        assertThat(corral("cancel", job).exitCode()).isZero();
        assertThat(json(corral("status", job, "-o", "json")).get("state").asText())
                .isEqualTo("CANCELLED");
        assertThat(corral("cancel", job).exitCode())
                .as("cancelling a finished job conflicts")
                .isEqualTo(1);
    }

    private static final int SUBMISSIONS_THROUGH_A_FOLLOWER = 10;

    /**
     * A submission that reaches a follower moves to the leader: the follower proposes none of its uploads nor its job
     * (each would have travelled on from there and made an entry of its own).
     */
    @Test
    void aSubmissionThatReachesAFollowerIsProposedByTheLeader() throws Exception {
        String leaderId = cluster.awaitLeader();
        String followerId = cluster.ids().stream()
                .filter(id -> !id.equals(leaderId))
                .findFirst()
                .orElseThrow();
        String followerAndLeader =
                cluster.peer(followerId).rpc() + "," + cluster.peer(leaderId).rpc();
        Path image = TestImages.png(
                Files.createDirectories(dir.resolve("via-follower")).resolve("a.png"));
        long followerBefore = cluster.member(followerId).raft().commandsProposed();
        long leaderBefore = cluster.member(leaderId).raft().commandsProposed();

        // The client starts at a random one of the two: ten submissions all miss the follower 1 time in 1,024.
        for (int i = 0; i < SUBMISSIONS_THROUGH_A_FOLLOWER; i++) {
            JsonNode submitted = json(CliRunner.run(
                    Map.of(Main.COORDINATORS_ENV, followerAndLeader),
                    ClientSession::open,
                    "submit",
                    image.toString(),
                    "-o",
                    "json"));
            assertThat(submitted.get("id").asText()).startsWith("job-");
        }

        assertThat(cluster.member(followerId).raft().commandsProposed())
                .as("commands the follower proposed")
                .isEqualTo(followerBefore);
        assertThat(cluster.member(leaderId).raft().commandsProposed()).isGreaterThan(leaderBefore);
    }

    @Test
    void submitOutWaitsForARealWorkerAndWritesTheProcessedImages() throws Exception {
        WorkerConfig d = WorkerConfig.defaults();
        WorkerConfig config = new WorkerConfig(
                List.of(cluster.rpcAddresses().split(",")),
                "cli-e2e-worker",
                2,
                List.of(),
                dir.resolve("worker").toString(),
                d.drainGraceMs(),
                d.taskTimeoutMs(),
                d.progressIntervalMs(),
                d.requestTimeoutMs(),
                d.pipeline(),
                true);
        try (Worker worker = Worker.connect(config)) {
            worker.start();
            Path in = Files.createDirectories(dir.resolve("to-process/sub"));
            TestImages.png(in.resolve("a.png"));
            TestImages.png(in.getParent().resolve("a.png"));
            Path out = dir.resolve("processed");

            JsonNode submitted = json(corral(
                    "submit",
                    "--op",
                    "thumbnail:32",
                    "--op",
                    "format:png",
                    "--out",
                    out.toString(),
                    "--wait-timeout",
                    "60s",
                    in.getParent().toString(),
                    "-o",
                    "json"));

            assertThat(submitted.get("state").asText()).isEqualTo("SUCCEEDED");
            assertThat(submitted.get("results")).hasSize(2);
            for (String name : List.of("a.png", "a-1.png")) {
                assertThat(ImageSniffer.detect(out.resolve(name))).contains("png");
            }
            String job = submitted.get("id").asText();
            JsonNode status = json(corral("status", job, "-o", "json"));
            status.get("tasks").forEach(t -> {
                assertThat(t.get("attempts").asInt()).isEqualTo(1);
                assertThat(t.get("worker").asText()).isEqualTo("cli-e2e-worker");
                assertThat(t.get("result").get("sha256").asText()).hasSize(64);
            });
            Path again = dir.resolve("again");
            CliRunner.Result results = corral("results", job, "--out", again.toString());
            assertThat(results.exitCode()).as(results.err()).isZero();
            assertThat(Files.readAllBytes(again.resolve("a.png"))).isEqualTo(Files.readAllBytes(out.resolve("a.png")));
            assertThat(corral("watch", job).exitCode()).isZero();
            assertThat(corral("retry", job).out()).contains("put 0 tasks");
        }
    }

    @Test
    void badInputIsRefusedWithTheDocumentedExitCodes() throws Exception {
        Path notImage = Files.writeString(dir.resolve("notes.txt"), "not an image");
        CliRunner.Result refused = corral("submit", notImage.toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("notes.txt");

        Path img = TestImages.png(dir.resolve("c.png"));
        CliRunner.Result badOp = corral("submit", "--op", "rotate:45", img.toString());
        assertThat(badOp.exitCode()).isEqualTo(2);
        assertThat(badOp.err()).contains("rotate:45");

        assertThat(corral("status", "job-999999").exitCode()).isEqualTo(3);
        assertThat(corral("--coordinators", "127.0.0.1:1", "list").exitCode()).isEqualTo(4);
    }

    @Test
    void locksHandOutIncreasingTokensAndRefuseStaleOnes() throws Exception {
        long first = json(corral("lock", "acquire", "e2e", "--ttl", "30s", "--owner", "a", "-o", "json"))
                .get("token")
                .asLong();
        assertThat(corral("lock", "acquire", "e2e", "--ttl", "30s", "--owner", "b")
                        .exitCode())
                .isEqualTo(5);
        assertThat(corral("lock", "list").out()).contains("e2e", "a");
        assertThat(corral("lock", "renew", "e2e", "--token", Long.toString(first))
                        .exitCode())
                .isZero();
        assertThat(corral("lock", "release", "e2e", "--token", Long.toString(first))
                        .exitCode())
                .isZero();
        long second = json(corral("lock", "acquire", "e2e", "--ttl", "30s", "--owner", "b", "-o", "json"))
                .get("token")
                .asLong();
        assertThat(second).isGreaterThan(first);
        assertThat(corral("lock", "release", "e2e", "--token", Long.toString(first))
                        .exitCode())
                .isEqualTo(6);
    }

    @Test
    void clusterStatusSnapshotAndLeaderTransfer() throws Exception {
        // A member of a new cluster applies its first entry only once the leader's next append tells it the commit.
        org.awaitility.Awaitility.await().until(() -> {
            JsonNode s = json(corral("cluster", "status", "-o", "json"));
            boolean all = true;
            for (JsonNode m : s.get("members")) {
                all &= m.get("appliedIndex").asLong() >= 0;
            }
            return all;
        });
        JsonNode status = json(corral("cluster", "status", "-o", "json"));
        List<String> ids = new ArrayList<>();
        status.get("members").forEach(m -> {
            ids.add(m.get("id").asText());
            assertThat(m.get("role").asText()).isIn("LEADER", "FOLLOWER");
            assertThat(m.get("appliedIndex").asLong()).isGreaterThanOrEqualTo(0);
        });
        assertThat(ids).containsExactlyInAnyOrder("n1", "n2", "n3");
        assertThat(corral("cluster", "snapshot").exitCode()).isZero();

        String leader = status.get("leaderId").asText();
        String target =
                ids.stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        assertThat(corral("cluster", "transfer-leader", "--to", target).exitCode())
                .isZero();
        assertThat(cluster.awaitLeader()).isEqualTo(target);
    }

    @Test
    void clusterBackupWritesAFileThatCoordinatorRestoreAccepts() throws Exception {
        assertThat(json(corral("lock", "acquire", "e2e-backup", "--ttl", "10m", "-o", "json"))
                        .get("token")
                        .asLong())
                .isPositive();
        Path file = dir.resolve("backup.tar");
        JsonNode backup = json(corral("cluster", "backup", "--out", file.toString(), "-o", "json"));
        assertThat(backup.get("file").asText()).isEqualTo(file.toString());
        assertThat(backup.get("clusterName").asText()).isEqualTo("corral");
        assertThat(backup.get("member").asText()).isIn("n1", "n2", "n3");
        assertThat(backup.get("index").asLong()).isPositive();
        assertThat(backup.get("bytes").asLong()).isPositive();
        assertThat(backup.get("durationMs").asLong()).isNotNegative();
        assertThat(file).isRegularFile();
        assertThat(dir.resolve("backup.tar.partial")).doesNotExist();

        byte[] first = Files.readAllBytes(file);
        CliRunner.Result refused = corral("cluster", "backup", "--out", file.toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("exists", "--force");
        assertThat(Files.readAllBytes(file)).isEqualTo(first);
        assertThat(corral("cluster", "backup", "--out", dir.toString()).exitCode())
                .isEqualTo(2);
        CliRunner.Result replaced = corral("cluster", "backup", "--out", file.toString(), "--force");
        assertThat(replaced.exitCode()).as(replaced.err()).isZero();
        assertThat(replaced.out()).contains("backup of cluster corral at index", "files");

        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine restore = new picocli.CommandLine(new io.corral.coordinator.Main());
        restore.setOut(new java.io.PrintWriter(out));
        Path restored = dir.resolve("restored-n1");
        assertThat(restore.execute("restore", file.toString(), "--dir", restored.toString()))
                .isZero();
        assertThat(out.toString()).contains("start this member with clusterName: corral");
        assertThat(restored.resolve("state")).isDirectory();
    }
}
