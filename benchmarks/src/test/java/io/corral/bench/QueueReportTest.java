package io.corral.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class QueueReportTest {
    @Test
    void aRowPerWorkloadWithMediansAndCorralsRatios() throws Exception {
        List<String> lines = List.of(
                "{\"label\":\"submit-1\",\"system\":\"corral\",\"workload\":\"submit\",\"jobsPerSecond\":100,\"p50Ms\":7,\"p99Ms\":20,\"cpuMsPerJob\":4}",
                "{\"label\":\"submit-1\",\"system\":\"corral\",\"workload\":\"submit\",\"jobsPerSecond\":300,\"p50Ms\":5,\"p99Ms\":10,\"cpuMsPerJob\":2}",
                "{\"label\":\"submit-1\",\"system\":\"corral\",\"workload\":\"submit\",\"jobsPerSecond\":200,\"p50Ms\":6,\"p99Ms\":30,\"cpuMsPerJob\":3}",
                "{\"label\":\"submit-1\",\"system\":\"etcd\",\"workload\":\"submit\",\"jobsPerSecond\":400,\"p50Ms\":2,\"p99Ms\":9,\"cpuMsPerJob\":1}",
                "{\"label\":\"latency\",\"system\":\"corral\",\"workload\":\"latency\",\"jobsPerSecond\":20,\"p50Ms\":10,\"p99Ms\":25}",
                "{\"label\":\"latency\",\"system\":\"rabbitmq\",\"workload\":\"latency\",\"jobsPerSecond\":20,\"p50Ms\":3,\"p99Ms\":5}");

        String t = QueueReport.table(lines);

        assertThat(t)
                .contains("| submit-1 | 200/s, 6.0 / 20.0 ms; CPU 3.00 ms (n=3) | 400/s, 2.0 / 9.0 ms; CPU 1.00 ms"
                        + " (n=1) | – | 0.50× | – |");
        assertThat(t).contains("| latency | 10.0 / 25.0 ms (n=1) | – | 3.0 / 5.0 ms (n=1) | – | 0.20× |");
    }
}
