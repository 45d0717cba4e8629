package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.Limits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelsTest {

    @Test
    void parsesKeyValuePairsInOrder() {
        Map<String, String> labels = Labels.parse(List.of("team=web", "env=prod", "query=a=b", "empty="));
        assertThat(labels)
                .containsExactly(
                        Map.entry("team", "web"),
                        Map.entry("env", "prod"),
                        Map.entry("query", "a=b"),
                        Map.entry("empty", ""));
    }

    @Test
    void labelWithoutEqualsSignIsRefused() {
        assertThatThrownBy(() -> Labels.parse(List.of("team")))
                .isInstanceOfSatisfying(
                        CliException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessage("label 'team' is not of the form key=value");
    }

    @Test
    void emptyKeyIsRefused() {
        assertThatThrownBy(() -> Labels.parse(List.of("=web"))).hasMessage("label '=web' has an empty key");
    }

    @Test
    void repeatedKeyIsRefused() {
        assertThatThrownBy(() -> Labels.parse(List.of("team=a", "team=b")))
                .hasMessage("label key 'team' is given more than once");
    }

    @Test
    void whitespaceInKeyAndControlCharactersAreRefused() {
        assertThatThrownBy(() -> Labels.parse(List.of("my team=a"))).hasMessageContaining("control characters");
        assertThatThrownBy(() -> Labels.parse(List.of("team=a\nb"))).hasMessageContaining("control characters");
    }

    @Test
    void limitsOfTheProtocolAreCheckedLocally() {
        String longValue = "v".repeat(Limits.MAX_LABEL_CHARS + 1);
        assertThatThrownBy(() -> Labels.parse(List.of("k=" + longValue)))
                .hasMessageContaining("limited to " + Limits.MAX_LABEL_CHARS);
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= Limits.MAX_LABELS_PER_JOB; i++) {
            many.add("k" + i + "=v");
        }
        assertThatThrownBy(() -> Labels.parse(many)).hasMessageContaining("at most " + Limits.MAX_LABELS_PER_JOB);
    }
}
