package io.corral.jepsen.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.jepsen.checker.Validity;
import io.corral.jepsen.cluster.NodeImage;
import io.corral.jepsen.nemesis.HostileClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 in the harness: the queue workload on three coordinators while the {@code hostile-client} nemesis attacks
 * the leader again and again (1,200 connections to its RPC port sending all but the last byte of 2 MiB frames, 300
 * holding its HTTP port). Nothing may be lost and every task must end; the attacked member must keep serving: a real
 * client's Hello answered, its memory bounded by its heap and its limit on unfinished frames. About 45 s of faults;
 * {@code -Djepsen.seconds=N} and {@code -Djepsen.seed=N} change them.
 */
@Tag("docker")
class HostileClientTest {
    static final Path ROOT =
            Path.of(System.getProperty("corral.root", "..")).toAbsolutePath().normalize();
    static final Path OUT = Path.of("target/jepsen").toAbsolutePath();
    static final long SEED = Long.getLong("jepsen.seed", 20261122L);
    static final int SECONDS = Integer.getInteger("jepsen.seconds", 45);

    /**
     * The nodes' heap (Runner's -Xmx256m) plus the default limit on unfinished frames, plus the JVM's own. Without the
     * limits, the attacked member's direct buffers fill their limit (the heap's size, here 256 MiB) and it stalls.
     */
    static final long MAX_RSS_KIB = (256 + 64 + 384) * 1024;

    @Test
    void theAttackedMemberKeepsServingAndNothingIsLost() throws Exception {
        RunResult r = Runner.run(new RunSpec(
                "hostile-client", "queue", HostileClient.KIND, SECONDS, 3, 2, 4, SEED, NodeImage.HOST_JDK, ROOT, OUT));

        assertThat(r.verdict().validity())
                .as("verdict; report in %s%n%s", r.dir(), r.verdict().failures())
                .isEqualTo(Validity.VALID);
        List<JsonNode> faults = summaries(r.dir().resolve("logs").resolve(HostileClient.SAMPLES));
        assertThat(faults).as("attacks in %s", r.dir()).isNotEmpty();
        long probes = 0;
        long failed = 0;
        for (JsonNode f : faults) {
            System.out.println("hostile-client: " + f);
            probes += f.get("helloProbes").asLong();
            failed += f.get("helloFailures").asLong();
            assertThat(f.get("helloProbes").asLong() - f.get("helloFailures").asLong())
                    .as("a real client's Hellos answered by %s under attack", f.get("node"))
                    .isPositive();
            assertThat(f.get("rssMaxKiB").asLong())
                    .as("resident memory of %s under attack", f.get("node"))
                    .isLessThan(MAX_RSS_KIB);
            JsonNode m = f.get("metrics");
            assertThat(m.size())
                    .as("metrics of %s read when healed", f.get("node"))
                    .isPositive();
            assertThat(m.get("corral_rpc_unfinished_frame_bytes_peak").asDouble())
                    .isLessThanOrEqualTo(
                            m.get("corral_rpc_unfinished_frame_bytes_limit").asDouble());
            assertThat(m.get("corral_rpc_connections_closed_total{reason=\"pre_auth_frame_too_large\"}")
                            .asDouble())
                    .isPositive();
        }
        assertThat(failed)
                .as("real clients' Hellos that got no Welcome within %d ms", HostileClient.PROBE_TIMEOUT_MS)
                .isLessThanOrEqualTo(probes / 10);
    }

    private static List<JsonNode> summaries(Path file) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode n = json.readTree(line);
            if (n.has("summary")) {
                out.add(n);
            }
        }
        return out;
    }
}
