package io.corral.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.HostPort;
import io.corral.client.ImageUpload;
import io.corral.coordinator.cluster.LocalCluster;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobState;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import io.corral.protocol.images.ImageSniffer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real workers (the daemon's {@link Worker}, the real client library and image pipeline) against three real
 * coordinators: a submitted job is leased by push, processed and committed, and its results can be read back.
 */
@Tag("cluster")
class WorkerEndToEndTest {
    @TempDir
    Path dir;

    @Test
    void workersProcessASubmittedJobToSucceededWithRealResults() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("cluster"), 3, LocalCluster.testSettings());
                CorralClient client =
                        CorralClient.connect(ClientOptions.builder(HostPort.parseList(cluster.rpcAddresses()))
                                .build())) {
            List<Worker> workers = new ArrayList<>();
            for (String id : List.of("w1", "w2")) {
                Worker w = Worker.connect(config(List.of(cluster.rpcAddresses().split(",")), id, 2, true));
                w.start();
                workers.add(w);
            }
            try {
                List<ImageRef> refs = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    refs.add(ImageUpload.upload(
                            client, png(dir.resolve("in" + i + ".png"), 200 + 40 * i, 120, i), 50L << 20));
                }
                String job = client.call(
                                // With a task timeout of its own, so the field crosses every hop end to end.
                                new Request.SubmitJob(
                                        refs,
                                        List.of("thumbnail:64", "format:webp"),
                                        0,
                                        3,
                                        120_000,
                                        Map.of(),
                                        "e2e-job"),
                                Response.JobSubmitted.class)
                        .jobId();

                await().atMost(Duration.ofSeconds(60))
                        .until(() -> client.call(new Request.GetJob(job, false), Response.JobDetail.class)
                                        .job()
                                        .state()
                                == JobState.SUCCEEDED);
                var view = client.call(new Request.GetJob(job, false), Response.JobDetail.class)
                        .job();
                assertThat(view.taskTimeoutMs()).isEqualTo(120_000);
                assertThat(view.tasks()).allSatisfy(t -> {
                    assertThat(t.state()).isEqualTo(TaskState.SUCCEEDED);
                    assertThat(t.attempts()).isEqualTo(1);
                });
                // Every result is a WebP that fits in 64x64, stored in the cluster and readable by anyone.
                String sha = cluster.leader()
                        .stateMachine()
                        .core()
                        .taskDetail(
                                cluster.leader().stateMachine().store().view(),
                                view.tasks().get(0).id())
                        .task()
                        .result()
                        .sha256();
                Response.BlobChunk chunk = client.call(new Request.ReadBlobChunk(sha, 0), Response.BlobChunk.class);
                assertThat(chunk.chunks()).isEqualTo(1);
                assertThat(ImageSniffer.detect(chunk.data())).contains("webp");
                BufferedImage out = ImageIO.read(new ByteArrayInputStream(chunk.data()));
                assertThat(Math.max(out.getWidth(), out.getHeight())).isEqualTo(64);
            } finally {
                for (Worker w : workers) {
                    w.close();
                }
            }
        }
    }

    @Test
    void anIdleWorkerFollowsTheLeaderAndAPinnedOneStays() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("cluster"), 3, LocalCluster.testSettings());
                CorralClient client =
                        CorralClient.connect(ClientOptions.builder(HostPort.parseList(cluster.rpcAddresses()))
                                .build())) {
            String leader = cluster.awaitLeader();
            String follower = cluster.ids().stream()
                    .filter(id -> !id.equals(leader))
                    .findFirst()
                    .orElseThrow();
            // "follows" knows a follower and the leader and may start on either; "pinned" knows only the follower.
            WorkerConfig following = config(
                    List.of(cluster.peer(follower).rpc(), cluster.peer(leader).rpc()), "follows", 1, true);
            WorkerConfig pinned = config(List.of(cluster.peer(follower).rpc()), "pinned", 1, false);
            try (Worker a = Worker.connect(following);
                    Worker b = Worker.connect(pinned)) {
                a.start();
                b.start();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> memberOf(client, "follows").equals(leader));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> memberOf(client, "pinned").equals(follower));

                // The leader changes: the idle worker follows it; the pinned one stays where it was told to be.
                client.call(new Request.TransferLeader(follower), Response.LeaderTransferred.class);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> memberOf(client, "follows").equals(follower));
                assertThat(memberOf(client, "pinned")).isEqualTo(follower);
            }
        }
    }

    /** The defaults, with these coordinators, id, slots and leader-following; state in the test's directory. */
    private WorkerConfig config(List<String> coordinators, String id, int slots, boolean followLeader) {
        WorkerConfig d = WorkerConfig.defaults();
        return new WorkerConfig(
                coordinators,
                id,
                slots,
                List.of(),
                dir.resolve(id).toString(),
                d.drainGraceMs(),
                d.taskTimeoutMs(),
                d.progressIntervalMs(),
                d.requestTimeoutMs(),
                d.pipeline(),
                followLeader);
    }

    /** The member a worker is registered on, or "" while it is on none. */
    private static String memberOf(CorralClient client, String workerId) {
        return client.call(new Request.ListWorkers(), Response.WorkerList.class).workers().stream()
                .filter(w -> w.workerId().equals(workerId))
                .map(io.corral.protocol.WorkerView::coordinatorId)
                .findFirst()
                .orElse("");
    }

    private static Path png(Path file, int width, int height, int seed) throws Exception {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(40 * seed, 120, 200));
        g.fillRect(0, 0, width, height);
        g.setColor(Color.WHITE);
        g.fillOval(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bytes);
        java.nio.file.Files.write(file, bytes.toByteArray());
        return file;
    }
}
