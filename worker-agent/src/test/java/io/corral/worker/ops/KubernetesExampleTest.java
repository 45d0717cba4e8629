package io.corral.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.corral.config.YamlConfig;
import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.worker.WorkerConfig;
import io.corral.worker.internal.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/ops/k8s: every file parses; names, ports, selectors and volumes agree across the objects; the configurations
 * in the ConfigMap load with the daemons' own loaders, with the flags the pods pass (so the peer list, the pods' DNS
 * names and the worker's coordinator list cannot drift apart).
 */
class KubernetesExampleTest {
    static final Path K8S = Path.of("..", "docs", "ops", "k8s");

    @TempDir
    Path dir;

    private final Map<String, JsonNode> objects = new HashMap<>();

    @BeforeEach
    void load() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                try (MappingIterator<JsonNode> docs =
                        yaml.readerFor(JsonNode.class).readValues(f.toFile())) {
                    for (JsonNode doc : docs.readAll()) {
                        if (doc != null && !doc.isEmpty()) {
                            String key = doc.get("kind").asText() + "/"
                                    + doc.at("/metadata/name").asText();
                            assertThat(objects.put(key, doc))
                                    .as("%s defined twice", key)
                                    .isNull();
                            assertThat(doc.at("/metadata/namespace").asText(namespaceOf(doc)))
                                    .isEqualTo("corral");
                        }
                    }
                }
            }
        }
    }

    private static String namespaceOf(JsonNode doc) {
        return doc.get("kind").asText().equals("Namespace")
                ? doc.at("/metadata/name").asText()
                : "";
    }

    private JsonNode object(String key) {
        assertThat(objects).containsKey(key);
        return objects.get(key);
    }

    @Test
    void theStatefulSetIsFoundByItsHeadlessServiceAndStartsWithoutALeader() {
        JsonNode sts = object("StatefulSet/corral-coordinator");
        JsonNode headless = object("Service/" + sts.at("/spec/serviceName").asText());
        assertThat(headless.at("/spec/clusterIP").asText()).isEqualTo("None");
        assertThat(headless.at("/spec/publishNotReadyAddresses").asBoolean()).isTrue();
        assertThat(sts.at("/spec/podManagementPolicy").asText()).isEqualTo("Parallel");
        JsonNode labels = sts.at("/spec/template/metadata/labels");
        assertThat(sts.at("/spec/selector/matchLabels")).isEqualTo(labels);
        assertThat(headless.at("/spec/selector")).isEqualTo(labels);
        assertThat(object("Service/corral").at("/spec/selector")).isEqualTo(labels);
        JsonNode pdb = object("PodDisruptionBudget/corral-coordinator");
        assertThat(pdb.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
        assertThat(pdb.at("/spec/selector/matchLabels")).isEqualTo(labels);

        Map<String, Integer> ports = ports(sts.at("/spec/template/spec/containers/0"));
        assertThat(ports).containsOnlyKeys("raft", "rpc", "http");
        for (String service : List.of("Service/corral-coordinator", "Service/corral")) {
            for (JsonNode p : object(service).at("/spec/ports")) {
                assertThat(ports)
                        .containsEntry(
                                p.get("targetPort").asText(), p.get("port").asInt());
            }
        }
        JsonNode container = sts.at("/spec/template/spec/containers/0");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/live");
        assertThat(container.at("/livenessProbe/httpGet/port").asText()).isEqualTo("http");
        assertThat(sts.at("/spec/template/metadata/annotations/prometheus.io~1port")
                        .asInt())
                .isEqualTo(ports.get("http"));
        assertThat(container.at("/volumeMounts/0/name").asText())
                .isEqualTo(sts.at("/spec/volumeClaimTemplates/0/metadata/name").asText());
    }

    @Test
    void everyPodLoadsTheConfigMapWithItsOwnFlagsAndIsItsPeerEntry() throws Exception {
        JsonNode sts = object("StatefulSet/corral-coordinator");
        JsonNode container = sts.at("/spec/template/spec/containers/0");
        String script = container.at("/args/0").asText();
        String fqdnTemplate = "${HOSTNAME}." + sts.at("/spec/serviceName").asText() + "."
                + sts.at("/metadata/namespace").asText() + ".svc.cluster.local";
        assertThat(script)
                .contains("fqdn=\"" + fqdnTemplate + "\"")
                .contains("--node-id \"n${ordinal}\"")
                .contains("--config /etc/corral/coordinator.yaml");
        Path file = mounted(sts, container, "coordinator.yaml");
        Map<String, Integer> ports = ports(container);
        int replicas = sts.at("/spec/replicas").asInt();
        List<String> rpcAddresses = new ArrayList<>();
        for (int ordinal = 0; ordinal < replicas; ordinal++) {
            String fqdn =
                    fqdnTemplate.replace("${HOSTNAME}", sts.at("/metadata/name").asText() + "-" + ordinal);
            Map<String, String> flags = new HashMap<>();
            flags.put("nodeId", YamlConfig.quoted("n" + ordinal));
            flags.put("raftAddress", YamlConfig.quoted(fqdn + ":" + ports.get("raft")));
            flags.put("rpcAddress", YamlConfig.quoted(fqdn + ":" + ports.get("rpc")));
            flags.put("httpAddress", YamlConfig.quoted(fqdn + ":" + ports.get("http")));
            // The loader validates: the flags must match this member's entry in peers.
            CoordinatorConfig c = io.corral.coordinator.config.ConfigLoader.load(file, flags);
            assertThat(c.peers()).hasSize(replicas);
            assertThat(c.peers().get(ordinal).id()).isEqualTo("n" + ordinal);
            assertThat(c.dataDir().toString())
                    .startsWith(container.at("/volumeMounts/0/mountPath").asText() + "/");
            rpcAddresses.add(c.self().rpc());
        }
        assertThat(workerConfig().coordinators()).containsExactlyElementsOf(rpcAddresses);
    }

    @Test
    void workersOutlastTheirDrainAndServeMetricsWhereTheyAreScraped() throws Exception {
        JsonNode deployment = object("Deployment/corral-worker");
        JsonNode container = deployment.at("/spec/template/spec/containers/0");
        WorkerConfig config = workerConfig();
        long graceMs = deployment
                        .at("/spec/template/spec/terminationGracePeriodSeconds")
                        .asLong()
                * 1000;
        assertThat(graceMs).isGreaterThanOrEqualTo(config.drainGraceMs() + 30_000);
        int metricsPort = ports(container).get("metrics");
        assertThat(config.metricsAddress()).isEqualTo("0.0.0.0:" + metricsPort);
        assertThat(deployment
                        .at("/spec/template/metadata/annotations/prometheus.io~1port")
                        .asInt())
                .isEqualTo(metricsPort);
        assertThat(container.at("/livenessProbe/httpGet/port").asText()).isEqualTo("metrics");
        assertThat(deployment.at("/spec/selector/matchLabels"))
                .isEqualTo(deployment.at("/spec/template/metadata/labels"));
        assertThat(container.get("image"))
                .isEqualTo(object("StatefulSet/corral-coordinator").at("/spec/template/spec/containers/0/image"));
    }

    /** The worker's configuration as its pod runs it: the ConfigMap's file and the args' flags. */
    private WorkerConfig workerConfig() throws Exception {
        JsonNode deployment = object("Deployment/corral-worker");
        JsonNode container = deployment.at("/spec/template/spec/containers/0");
        List<String> args = new ArrayList<>();
        container.get("args").forEach(a -> args.add(a.asText()));
        assertThat(args.get(args.indexOf("--config") + 1)).isEqualTo("/etc/corral/worker.yaml");
        Path file = mounted(deployment, container, "worker.yaml");
        String metrics = args.get(args.indexOf("--metrics-address") + 1);
        return ConfigLoader.load(file, Map.of("metricsAddress", YamlConfig.quoted(metrics)));
    }

    /**
     * The ConfigMap key {@code key} as the workload mounts it at /etc/corral (checked: the volume names the ConfigMap
     * and the key), written to a temporary file.
     */
    private Path mounted(JsonNode workload, JsonNode container, String key) throws Exception {
        JsonNode volume = null;
        for (JsonNode v : workload.at("/spec/template/spec/volumes")) {
            if (!v.at("/configMap").isMissingNode()) {
                volume = v;
            }
        }
        assertThat(volume).isNotNull();
        String volumeName = volume.get("name").asText();
        assertThat(container.get("volumeMounts").findValuesAsText("name")).contains(volumeName);
        assertThat(volume.at("/configMap/items/0/key").asText()).isEqualTo(key);
        JsonNode configMap = object("ConfigMap/" + volume.at("/configMap/name").asText());
        Path file = dir.resolve(key);
        Files.writeString(file, configMap.at("/data/" + key.replace("/", "~1")).asText());
        return file;
    }

    private static Map<String, Integer> ports(JsonNode container) {
        Map<String, Integer> ports = new HashMap<>();
        for (JsonNode p : container.get("ports")) {
            ports.put(p.get("name").asText(), p.get("containerPort").asInt());
        }
        return ports;
    }
}
