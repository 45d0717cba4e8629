package io.corral.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompareReportTest {
    @Test
    void aRowPerWorkloadWithEachBuildsMedianAndHeadsRatios() throws Exception {
        List<String> lines = List.of(
                "{\"label\":\"submit-16\",\"variant\":\"base\",\"workload\":\"submit\",\"jobsPerSecond\":100,\"p50Ms\":7,\"p99Ms\":20,\"cpuMsPerJob\":4}",
                "{\"label\":\"submit-16\",\"variant\":\"head\",\"workload\":\"submit\",\"jobsPerSecond\":300,\"p50Ms\":5,\"p99Ms\":10,\"cpuMsPerJob\":1}",
                "{\"label\":\"submit-16\",\"variant\":\"base\",\"workload\":\"submit\",\"jobsPerSecond\":200,\"p50Ms\":6,\"p99Ms\":30,\"cpuMsPerJob\":2}",
                "{\"label\":\"submit-16\",\"variant\":\"head\",\"workload\":\"submit\",\"jobsPerSecond\":500,\"p50Ms\":4,\"p99Ms\":8,\"cpuMsPerJob\":1}",
                "{\"label\":\"latency\",\"variant\":\"base\",\"workload\":\"latency\",\"jobsPerSecond\":20,\"p50Ms\":10,\"p99Ms\":25}",
                "{\"label\":\"latency\",\"variant\":\"head\",\"workload\":\"latency\",\"jobsPerSecond\":20,\"p50Ms\":3,\"p99Ms\":5}");

        String t = CompareReport.table(lines, "main `bdc2255`", "perf `5010e06`");

        assertThat(t)
                .contains(
                        "| workload | main `bdc2255` | perf `5010e06` | jobs/s, head ÷ base | CPU per job, head ÷ base |");
        assertThat(t)
                .contains(
                        "| submit-16 | 150/s, 6.5 / 25.0 ms; CPU 3.00 ms (n=2) | 400/s, 4.5 / 9.0 ms; CPU 1.00 ms (n=2)"
                                + " | 2.67× | 0.33× |");
        assertThat(t).contains("| latency | 10.0 / 25.0 ms (n=1) | 3.0 / 5.0 ms (n=1) | p99 0.20× | – |");
    }
}
