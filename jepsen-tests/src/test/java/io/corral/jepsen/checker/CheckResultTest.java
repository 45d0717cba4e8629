package io.corral.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckResultTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anomaliesAreCountedAndTheirExamplesBounded() {
        CheckResult.Builder b = CheckResult.builder("queue", 2).zero("lost", "unexpected");
        for (int i = 0; i < 5; i++) {
            b.anomaly("lost", Map.of("key", "k" + i));
        }

        CheckResult r = b.build();

        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("lost")).isEqualTo(5);
        assertThat(r.count("unexpected")).isZero();
        assertThat(r.counts()).containsKey("unexpected");
        assertThat(r.examplesOf("lost")).hasSize(2);
    }

    @Test
    void notesDoNotChangeTheVerdictAndUnknownDoesNotHideInvalid() {
        CheckResult.Builder b = CheckResult.builder("x").note("recovered", Map.of("key", "a"));
        assertThat(b.validity()).isEqualTo(Validity.VALID);

        b.unknown("search-limit", Map.of("reason", "time"));
        assertThat(b.validity()).isEqualTo(Validity.UNKNOWN);

        b.anomaly("lost", Map.of());
        b.unknown("search-limit", Map.of("reason", "time"));
        assertThat(b.build().validity()).isEqualTo(Validity.INVALID);
    }

    @Test
    void combiningTakesTheWorstVerdict() {
        CheckResult valid = CheckResult.builder("a").build();
        CheckResult unknown = CheckResult.builder("b").unknown("u", Map.of()).build();
        CheckResult invalid = CheckResult.builder("c").anomaly("x", Map.of()).build();

        assertThat(CheckResult.combine("all", List.of(valid)).validity()).isEqualTo(Validity.VALID);
        assertThat(CheckResult.combine("all", List.of(valid, unknown)).validity())
                .isEqualTo(Validity.UNKNOWN);
        assertThat(CheckResult.combine("all", List.of(unknown, invalid, valid)).validity())
                .isEqualTo(Validity.INVALID);
        assertThat(CheckResult.combine("all", List.of()).validity()).isEqualTo(Validity.VALID);
        assertThat(Validity.UNKNOWN.and(Validity.VALID)).isEqualTo(Validity.UNKNOWN);
    }

    @Test
    void serializesForResultsJson() throws Exception {
        CheckResult part = CheckResult.builder("queue")
                .zero("unexpected")
                .anomaly("lost", Maps.of("key", "k1", "job", null))
                .build();
        CheckResult all = CheckResult.combine(
                "corral", List.of(part, CheckResult.builder("fencing").build()));

        JsonNode json = JSON.readTree(JSON.writeValueAsString(all));

        assertThat(json.get("name").asText()).isEqualTo("corral");
        assertThat(json.get("validity").asText()).isEqualTo("INVALID");
        JsonNode queue = json.get("parts").get(0);
        assertThat(queue.get("counts").get("lost").asLong()).isEqualTo(1);
        assertThat(queue.get("counts").get("unexpected").asLong()).isZero();
        assertThat(queue.get("examples").get("lost").get(0).get("key").asText()).isEqualTo("k1");
        assertThat(queue.has("parts")).isFalse();
        assertThat(JSON.readValue(JSON.writeValueAsString(part), CheckResult.class))
                .isEqualTo(part);
    }

    @Test
    void failuresNameWhatIsWrongAndNothingElse() throws Exception {
        CheckResult lost = CheckResult.builder("queue")
                .zero("unexpected")
                .anomaly("lost", Maps.of("key", "k1"))
                .build();
        CheckResult fine = CheckResult.builder("fencing").zero("token-order").build();
        CheckResult all = CheckResult.combine("corral", List.of(fine, lost));

        assertThat(all.failures()).isEqualTo("queue: INVALID {lost=1, unexpected=0}; lost e.g. {key=k1}\n");
        assertThat(fine.failures()).isEmpty();
        assertThat(JSON.readTree(JSON.writeValueAsString(all)).has("failures")).isFalse();
    }
}
