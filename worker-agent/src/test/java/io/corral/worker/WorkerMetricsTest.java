package io.corral.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.coordinator.cluster.MetricsScrape;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.Response;
import io.corral.worker.pipeline.ImagePipeline;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The worker's optional HTTP port against {@link FakeCluster}: each task ends once, under the outcome it had. */
class WorkerMetricsTest {
    private final FakeCluster cluster = new FakeCluster();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Worker worker;

    @AfterEach
    void stop() {
        if (worker != null) {
            worker.close();
        }
    }

    @Test
    void tasksAreCountedByOutcomeAndServedOverHttp() throws Exception {
        WorkerConfig config = new WorkerConfig(
                        List.of("localhost:7201"),
                        "w1",
                        2,
                        List.of(),
                        "unused",
                        60_000,
                        500,
                        60_000,
                        5_000,
                        WorkerConfig.Pipeline.defaults(),
                        false)
                .withMetricsAddress("127.0.0.1:0");
        worker = new Worker(config, "w1", cluster, ImagePipeline.withDefaults(), System::currentTimeMillis);
        worker.start();
        InetSocketAddress address = worker.metricsAddress();

        byte[] image = png(40, 20);
        LeaseGrant good = cluster.grant("job-1.0", image, "thumbnail:16");
        LeaseGrant refused = cluster.grant("job-1.1", png(41, 20), "thumbnail:16");
        cluster.staleReports.add(refused.taskId());
        cluster.push(new Response.LeaseOffer(List.of(good, refused)));
        await().atMost(Duration.ofSeconds(20)).until(() -> worker.busySlots() == 0);
        LeaseGrant slow = cluster.grant("job-1.2", png(42, 20));
        cluster.hanging.add(slow.imageSha256());
        cluster.push(new Response.LeaseOffer(List.of(slow)));
        await().atMost(Duration.ofSeconds(20)).until(() -> worker.busySlots() == 0);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> MetricsScrape.of(address).value("corral_worker_registered") == 1);

        MetricsScrape m = MetricsScrape.of(address);
        assertThat(m.value("corral_worker_tasks_started_total")).isEqualTo(3);
        assertThat(m.value("corral_worker_tasks_ended_total{outcome=\"SUCCEEDED\"}"))
                .isEqualTo(1);
        assertThat(m.value("corral_worker_tasks_ended_total{outcome=\"REFUSED\"}"))
                .isEqualTo(1);
        assertThat(m.value("corral_worker_tasks_ended_total{outcome=\"TIMED_OUT\"}"))
                .isEqualTo(1);
        assertThat(m.value("corral_worker_tasks_ended_total{outcome=\"FAILED\"}"))
                .isZero();
        assertThat(m.value("corral_worker_pipeline_seconds_count")).isEqualTo(2);
        assertThat(m.value("corral_worker_input_bytes_total")).isEqualTo(image.length + png(41, 20).length);
        assertThat(m.value("corral_worker_output_bytes_total")).isPositive();
        assertThat(m.value("corral_worker_slots")).isEqualTo(2);
        assertThat(m.value("corral_worker_slots_busy")).isZero();
        assertThat(m.value("corral_jvm_threads")).isPositive();

        assertThat(get(address, "/health", "GET").body()).contains("worker w1 registered at fake");
        assertThat(get(address, "/nope", "GET").statusCode()).isEqualTo(404);
        assertThat(get(address, "/metrics", "DELETE").statusCode()).isEqualTo(405);
    }

    private HttpResponse<String> get(InetSocketAddress address, String path, String method) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] png(int width, int height) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "png", out);
        return out.toByteArray();
    }
}
