package io.corral.jepsen.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTest {
    @Test
    void aWrittenHistoryReadsBackTheSame(@TempDir Path dir) {
        History h = new History();
        h.invoke(0, "submit", Map.of("key", "k1"));
        h.info(0, Map.of("key", "k1"), "UNAVAILABLE: no leader");
        h.event(-1, "heal-all", Map.of());
        h.invoke(4, "submit", Map.of("key", "k2"));
        h.close();
        h.write(dir.resolve("history.jsonl"));

        History read = History.read(dir.resolve("history.jsonl"));

        assertThat(read.ops()).hasSize(6);
        assertThat(read.ops().get(1).error()).isEqualTo("UNAVAILABLE: no leader");
        assertThat(read.ops().get(5).isInfo()).isTrue();
        assertThat(read.ops())
                .extracting(Op::timeNanos)
                .containsExactlyElementsOf(h.ops().stream().map(Op::timeNanos).toList());
    }
}
