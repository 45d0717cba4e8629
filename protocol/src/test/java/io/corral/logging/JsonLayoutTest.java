package io.corral.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonLayoutTest {
    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("io.corral.coordinator.Coordinator");
    private final JsonLayout layout = new JsonLayout();

    JsonLayoutTest() {
        context.setMDCAdapter(new LogbackMDCAdapter());
        layout.setContext(context);
        layout.start();
    }

    @Test
    void anEventIsOneJsonObjectOnOneLine() throws Exception {
        LoggingEvent e = new LoggingEvent(
                Logger.FQCN,
                logger,
                Level.WARN,
                "member {} said:\n\"no\"\tand left",
                new IllegalStateException("boom"),
                new Object[] {"n2"});
        e.setTimeStamp(Instant.parse("2026-03-01T12:34:56.789Z").toEpochMilli());
        e.setMDCPropertyMap(Map.of("job", "job-7", "worker", "w1"));
        String line = layout.doLayout(e);

        assertThat(line).endsWith("\n");
        assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.get("timestamp").asText()).isEqualTo("2026-03-01T12:34:56.789Z");
        assertThat(json.get("level").asText()).isEqualTo("WARN");
        assertThat(json.get("logger").asText()).isEqualTo("io.corral.coordinator.Coordinator");
        assertThat(json.get("thread").asText()).isEqualTo(Thread.currentThread().getName());
        assertThat(json.get("message").asText()).isEqualTo("member n2 said:\n\"no\"\tand left");
        assertThat(json.get("mdc").get("job").asText()).isEqualTo("job-7");
        assertThat(json.get("exception").asText())
                .startsWith("java.lang.IllegalStateException: boom")
                .contains("at io.corral.logging.JsonLayoutTest");
    }

    @Test
    void valuesAreWrittenAsTheyAreWithoutMaskingOrOptionalFields() throws Exception {
        // Nothing is masked: the layout does not guess what a secret is. Code must never log one.
        LoggingEvent e = new LoggingEvent(
                Logger.FQCN, logger, Level.INFO, "password={} token=abc", null, new Object[] {"hunter2"});
        JsonNode json = new ObjectMapper().readTree(layout.doLayout(e));
        assertThat(json.get("message").asText()).isEqualTo("password=hunter2 token=abc");
        assertThat(json.has("mdc")).isFalse();
        assertThat(json.has("exception")).isFalse();
        assertThat(json.has("kv")).isFalse();
    }

    @Test
    void theFormatIsTextUnlessJsonIsAskedFor() {
        assertThat(LogFormat.resolve(null)).isEqualTo("text");
        assertThat(LogFormat.resolve(" ")).isEqualTo("text");
        assertThat(LogFormat.resolve("JSON ")).isEqualTo("json");
        assertThat(LogFormat.resolve("text")).isEqualTo("text");
        assertThat(LogFormat.resolve("xml")).isEqualTo("text");
    }
}
