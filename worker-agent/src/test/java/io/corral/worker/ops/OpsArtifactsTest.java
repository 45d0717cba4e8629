package io.corral.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.HostPort;
import io.corral.client.ImageUpload;
import io.corral.coordinator.Coordinator;
import io.corral.coordinator.cluster.LocalCluster;
import io.corral.coordinator.cluster.MetricsScrape;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobState;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.worker.Worker;
import io.corral.worker.WorkerConfig;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/ops/prometheus-alerts.yml and docs/ops/grafana-dashboard.json are checked artefacts: every expression in them
 * refers only to metrics, labels and label values that real daemons export, collected from real scrapes of a
 * coordinator and a worker after real work (a job processed, a stale completion refused).
 */
@Tag("cluster")
class OpsArtifactsTest {
    static final Path OPS = Path.of("..", "docs", "ops");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path dir;

    @Test
    void alertsAndDashboardReferOnlyToWhatTheDaemonsExport() throws Exception {
        PromQlReferences exported = new PromQlReferences(scrapeAfterWork());

        Map<String, String> exprs = new LinkedHashMap<>(alertExpressions());
        exprs.putAll(dashboardExpressions());
        assertThat(exprs).hasSizeGreaterThan(40);
        Map<String, List<String>> problems = new LinkedHashMap<>();
        exprs.forEach((where, expr) -> {
            List<String> p = exported.problems(expr);
            if (!p.isEmpty()) {
                problems.put(where + ": " + expr, p);
            }
        });
        assertThat(problems).as("expressions referring to what nothing exports").isEmpty();
    }

    /** A leader, a worker with its metrics port connected to it, one job done and one stale completion refused. */
    private List<MetricsScrape> scrapeAfterWork() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("cluster"), 3, LocalCluster.testSettings());
                CorralClient client =
                        CorralClient.connect(ClientOptions.builder(HostPort.parseList(cluster.rpcAddresses()))
                                .build())) {
            Coordinator leader = cluster.leader();
            WorkerConfig config = new WorkerConfig(
                            List.of(cluster.peer(leader.raft().selfId()).rpc()),
                            "w1",
                            1,
                            List.of(),
                            dir.resolve("w1").toString(),
                            60_000,
                            60_000,
                            1_000,
                            10_000,
                            WorkerConfig.Pipeline.defaults(),
                            false)
                    .withMetricsAddress("127.0.0.1:0");
            try (Worker worker = Worker.connect(config)) {
                worker.start();
                String job = process(client, dir.resolve("in.png"));
                String taskId = job + ".0";
                client.call(
                        new Request.RegisterWorker("stale-reporter", 0, List.of()), Response.WorkerRegistered.class);
                Response stale = client.send(new Request.CompleteTask(taskId, 1, "ab".repeat(32), 1))
                        .join();
                assertThat(stale).isInstanceOfSatisfying(Response.ErrorReply.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.STALE_LEASE));
                // Every member: the leader measured the latencies, whichever member the client reached answered the
                // stale completion.
                List<MetricsScrape> scrapes = new ArrayList<>();
                scrapes.add(MetricsScrape.of(worker.metricsAddress()));
                assertThat(scrapes.get(0).value("corral_worker_tasks_ended_total{outcome=\"SUCCEEDED\"}"))
                        .isEqualTo(1);
                for (Coordinator c : cluster.running()) {
                    scrapes.add(MetricsScrape.of(c.httpAddress()));
                }
                return scrapes;
            }
        }
    }

    private static String process(CorralClient client, Path png) throws Exception {
        ImageIO.write(new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
        ImageRef ref = ImageUpload.upload(client, png, 50L << 20);
        String job = client.call(
                        new Request.SubmitJob(List.of(ref), List.of("thumbnail:32"), 0, 3, Map.of(), null),
                        Response.JobSubmitted.class)
                .jobId();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> client.call(new Request.GetJob(job, false), Response.JobDetail.class)
                                .job()
                                .state()
                        == JobState.SUCCEEDED);
        return job;
    }

    /** Every rule's expr, keyed by alert name; the rule file's shape is checked on the way. */
    static Map<String, String> alertExpressions() throws Exception {
        JsonNode rules = YAML.readTree(OPS.resolve("prometheus-alerts.yml").toFile());
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode group : rules.get("groups")) {
            assertThat(group.get("name").asText()).isNotBlank();
            for (JsonNode rule : group.get("rules")) {
                String alert = rule.get("alert").asText();
                assertThat(rule.get("labels").get("severity").asText()).isIn("warning", "critical");
                assertThat(rule.get("annotations").get("summary").asText()).isNotBlank();
                assertThat(out.put("alert " + alert, rule.get("expr").asText()))
                        .as("alert %s defined twice", alert)
                        .isNull();
            }
        }
        return out;
    }

    /** Every target's expr in the dashboard, keyed by panel title. */
    static Map<String, String> dashboardExpressions() throws Exception {
        JsonNode dashboard = new ObjectMapper()
                .readTree(OPS.resolve("grafana-dashboard.json").toFile());
        assertThat(dashboard.get("uid").asText()).isNotBlank();
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode panel : dashboard.get("panels")) {
            if (panel.get("type").asText().equals("row")) {
                continue;
            }
            assertThat(panel.get("datasource").get("uid").asText()).isEqualTo("${DS_PROMETHEUS}");
            for (JsonNode target : panel.get("targets")) {
                out.put(
                        "panel '" + panel.get("title").asText() + "' "
                                + target.get("refId").asText(),
                        target.get("expr").asText());
            }
        }
        return out;
    }
}
