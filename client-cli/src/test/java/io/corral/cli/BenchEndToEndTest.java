package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.HostPort;
import io.corral.coordinator.cluster.LocalCluster;
import io.corral.protocol.JobState;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.codec.Json;
import io.corral.worker.Worker;
import io.corral.worker.WorkerConfig;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code corral bench} against a real three-member cluster: every job measured, every task completed, and the
 * refusals that keep the benchmark from stealing or mixing tasks. No timing is asserted: the figures depend on the
 * machine.
 */
@Tag("cluster")
class BenchEndToEndTest {
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

    static CorralClient client() {
        return CorralClient.connect(ClientOptions.builder(HostPort.parseList(cluster.rpcAddresses()))
                .build());
    }

    static int connectedWorkers(CorralClient client) {
        return client.call(new Request.ListWorkers(), Response.WorkerList.class)
                .workers()
                .size();
    }

    @Test
    void dispatchMeasuresEveryJobThenRefusesWhileAnotherWorkerIsConnected() throws Exception {
        try (CorralClient client = client()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> connectedWorkers(client) == 0);

            CliRunner.Result run = corral("bench", "dispatch", "--jobs", "20", "--warmup", "2", "-o", "json");

            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode report = Json.mapper().readTree(run.out());
            assertThat(report.get("jobs").asInt()).isEqualTo(20);
            assertThat(report.get("warmup").asInt()).isEqualTo(2);
            for (String measure : List.of("submitMs", "dispatchMs", "endToEndMs")) {
                assertThat(report.get(measure).get("count").asInt()).as(measure).isEqualTo(20);
                assertThat(report.get(measure).get("maxMs").asDouble())
                        .as(measure)
                        .isGreaterThanOrEqualTo(report.get(measure).get("p50Ms").asDouble());
            }
            assertThat(report.get("worker").asText()).matches("n[123] \\((LEADER|FOLLOWER)\\)");
            // Every task was completed: nothing is left for a real worker, and the benchmark can run again.
            for (JobState state : List.of(JobState.PENDING, JobState.LEASED)) {
                assertThat(client.call(new Request.ListJobs(state, 10, false), Response.JobList.class)
                                .jobs())
                        .isEmpty();
            }
            assertThat(client.call(new Request.ListJobs(JobState.SUCCEEDED, 100, false), Response.JobList.class)
                            .jobs())
                    .filteredOn(j -> "dispatch".equals(j.labels().get("corral-bench")))
                    .hasSize(22);

            client.call(new Request.RegisterWorker("other-worker", 1, List.of()), Response.WorkerRegistered.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> connectedWorkers(client) == 1);
            CliRunner.Result refused = corral("bench", "dispatch", "--jobs", "20", "--warmup", "2");

            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.err()).contains("refusing to benchmark dispatch", "other-worker");
            assertThat(refused.out()).isEmpty();
        }
    }

    @Test
    void throughputProcessesEveryImageWithARealWorker() throws Exception {
        Path images = Files.createDirectories(dir.resolve("throughput-images"));
        for (int i = 0; i < 3; i++) {
            // Distinct pixels, so distinct bytes: the cluster stores identical images once.
            BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
            image.setRGB(i, i, 0xFFFFFF);
            ImageIO.write(image, "png", images.resolve("img-" + i + ".png").toFile());
        }
        WorkerConfig d = WorkerConfig.defaults();
        WorkerConfig config = new WorkerConfig(
                List.of(cluster.rpcAddresses().split(",")),
                "bench-e2e-worker",
                2,
                List.of(),
                dir.resolve("worker").toString(),
                d.drainGraceMs(),
                d.taskTimeoutMs(),
                d.progressIntervalMs(),
                d.requestTimeoutMs(),
                d.pipeline(),
                true);
        try (CorralClient client = client();
                Worker worker = Worker.connect(config)) {
            worker.start();
            // Only this one: a worker of another test that is still going away would be offered tasks too.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> client.call(new Request.ListWorkers(), Response.WorkerList.class).workers().stream()
                            .map(w -> w.workerId())
                            .toList()
                            .equals(List.of("bench-e2e-worker")));

            CliRunner.Result run = corral(
                    "bench",
                    "throughput",
                    "--op",
                    "thumbnail:2",
                    "--wait-timeout",
                    "60s",
                    images.toString(),
                    "-o",
                    "json");

            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode report = Json.mapper().readTree(run.out());
            assertThat(report.get("images").asInt()).isEqualTo(3);
            assertThat(report.get("workers").asInt()).isEqualTo(1);
            assertThat(report.get("slots").asInt()).isEqualTo(2);
            assertThat(report.get("operations").toString()).contains("thumbnail:2");
            assertThat(report.get("imagesPerSecond").asDouble()).isPositive();
            JsonNode job = Json.mapper()
                    .readTree(corral("status", report.get("jobId").asText(), "-o", "json")
                            .out());
            assertThat(job.get("state").asText()).isEqualTo("SUCCEEDED");
        }
    }
}
