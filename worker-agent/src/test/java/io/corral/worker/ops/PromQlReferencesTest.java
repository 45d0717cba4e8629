package io.corral.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.cluster.MetricsScrape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker behind {@link OpsArtifactsTest} finds the mistakes it is there for. */
class PromQlReferencesTest {
    private final PromQlReferences refs = new PromQlReferences(List.of(MetricsScrape.parse(String.join(
            "\n",
            "# TYPE corral_tasks gauge",
            "corral_tasks{state=\"PENDING\"} 1",
            "corral_tasks{state=\"DEAD\"} 0",
            "# TYPE corral_wait_seconds histogram",
            "corral_wait_seconds_bucket{le=\"0.5\"} 1",
            "corral_wait_seconds_bucket{le=\"+Inf\"} 1",
            "corral_wait_seconds_sum 0.1",
            "corral_wait_seconds_count 1",
            "# TYPE corral_rpc_errors_total counter",
            "corral_rpc_errors_total{type=\"CompleteTask\",code=\"STALE_LEASE\"} 1",
            ""))));

    @Test
    void acceptsWhatIsExported() {
        assertThat(refs.problems("max by (state) (corral_tasks{job=\"corral-coordinator\",state=~\"PENDING|DEAD\"})"))
                .isEmpty();
        assertThat(refs.problems("histogram_quantile(0.9, sum by (le) (rate(corral_wait_seconds_bucket[5m])))"))
                .isEmpty();
        assertThat(refs.problems("sum(rate(corral_rpc_errors_total{code=\"UNAVAILABLE\"}[5m])) and on() up == 1"))
                .isEmpty();
    }

    @Test
    void findsUnknownNamesLabelsValuesAndBrackets() {
        assertThat(refs.problems("corral_task{state=\"PENDING\"}")).contains("no metric corral_task is exported");
        assertThat(refs.problems("corral_tasks{status=\"PENDING\"}"))
                .containsExactly("corral_tasks has no series with the label status");
        assertThat(refs.problems("corral_tasks{state=~\"PENDING|pending\"}"))
                .containsExactly("corral_tasks has no series with state=\"pending\"");
        assertThat(refs.problems("corral_wait_seconds_bucket{le=\"0.25\"}"))
                .containsExactly("corral_wait_seconds_bucket has no series with le=\"0.25\"");
        assertThat(refs.problems("sum by (worker) (corral_tasks)"))
                .containsExactly("no exported series has the label worker");
        assertThat(refs.problems("rate(corral_wait_seconds_count[5m]"))
                .containsExactly("unbalanced brackets or quotes");
    }
}
