package io.corral.jepsen.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
    @Test
    void escapesEverythingThatCouldOpenMarkup() {
        assertThat(HtmlReport.esc("<a href=\"x\" title='y'>&amp;</a>"))
                .isEqualTo("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
        assertThat(HtmlReport.esc("plain text")).isEqualTo("plain text");
    }

    @Test
    void linksEncodeEachNameAndKeepTheSlashes() {
        assertThat(HtmlReport.href("logs/worker 1/agent#2.log")).isEqualTo("logs/worker%201/agent%232.log");
        assertThat(HtmlReport.href("history.jsonl")).isEqualTo("history.jsonl");
    }

    @Test
    void listsEveryLogFileUnderLogsSorted(@TempDir Path dir) throws IOException {
        assertThat(HtmlReport.logs(dir)).isEmpty();
        Files.createDirectories(dir.resolve("logs/n2"));
        Files.writeString(dir.resolve("logs/n2/coordinator.log"), "");
        Files.writeString(dir.resolve("logs/n1.log"), "");
        assertThat(HtmlReport.logs(dir)).containsExactly("logs/n1.log", "logs/n2/coordinator.log");
    }

    @Test
    void latencyAxisSpansWholeDecades() {
        assertThat(Charts.decadeBelow(3.2)).isEqualTo(1.0);
        assertThat(Charts.decadeAbove(3.2)).isEqualTo(10.0);
        assertThat(Charts.decadeAbove(100)).isEqualTo(1_000.0);
        assertThat(Charts.decadeBelow(0.05)).isEqualTo(0.01, org.assertj.core.data.Offset.offset(1e-12));
    }
}
