package io.corral.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The daemons' own {@code logback.xml} files (the layout lives here, so both are checked here): with {@value
 * LogFormat#PROPERTY} unset they write text lines to stderr, with {@code json} one JSON object per line.
 */
@Isolated("replaces System.err and a system property")
class DaemonLogbackFilesTest {
    private final PrintStream realErr = System.err;

    @AfterEach
    void restore() {
        System.setErr(realErr);
        System.clearProperty(LogFormat.PROPERTY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"coordinator", "worker-agent"})
    void textByDefaultJsonWhenAsked(String module) throws Exception {
        Path file = Path.of("..", module, "src", "main", "resources", "logback.xml");

        String text = logOneLine(file, null);
        assertThat(text)
                .matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[.*\\] io\\.corral\\.some\\.Example - started n1\\n");

        String json = logOneLine(file, "json");
        assertThat(json.lines()).hasSize(1);
        JsonNode line = new ObjectMapper().readTree(json);
        assertThat(line.get("message").asText()).isEqualTo("started n1");
        assertThat(line.get("logger").asText()).isEqualTo("io.corral.some.Example");
        assertThat(line.get("level").asText()).isEqualTo("INFO");
    }

    private String logOneLine(Path logbackXml, String format) throws Exception {
        if (format != null) {
            System.setProperty(LogFormat.PROPERTY, format);
        } else {
            System.clearProperty(LogFormat.PROPERTY);
        }
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        try {
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(logbackXml.toFile());
            context.getLogger("io.corral.some.Example").info("started {}", "n1");
            assertThat(context.getStatusManager().getCopyOfStatusList())
                    .as("logback's complaints about " + logbackXml)
                    .allMatch(s -> s.getLevel() == Status.INFO);
        } finally {
            context.stop();
            System.setErr(realErr);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
