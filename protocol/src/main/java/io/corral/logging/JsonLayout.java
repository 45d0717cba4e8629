package io.corral.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.event.KeyValuePair;

/**
 * One JSON object per line: {@code timestamp} (ISO-8601, UTC, milliseconds), {@code level}, {@code logger},
 * {@code thread}, {@code message}, then {@code mdc} and {@code kv} (SLF4J key-value pairs) when there are any, and
 * {@code exception} (the stack trace as one string) when there is one. Newlines and control characters inside values
 * are escaped, so a line is always one whole event. Values are written as they are: nothing is masked, so code must
 * never log secrets (no Corral code logs its whole configuration).
 *
 * <p>Logback's own {@code JsonEncoder} writes epoch milliseconds and a nested throwable object; log shippers and
 * people reading {@code journalctl} do better with an ISO time and a stack trace they can print.
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {
    private static final JsonFactory JSON = new JsonFactory();
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Override
    public String doLayout(ILoggingEvent event) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("timestamp", TIME.format(Instant.ofEpochMilli(event.getTimeStamp())));
            g.writeStringField("level", event.getLevel().toString());
            g.writeStringField("logger", event.getLoggerName());
            g.writeStringField("thread", event.getThreadName());
            g.writeStringField("message", event.getFormattedMessage());
            writeMdc(g, event.getMDCPropertyMap());
            writeKeyValues(g, event.getKeyValuePairs());
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                g.writeStringField("exception", ThrowableProxyUtil.asString(thrown));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to a string failed", e); // a StringWriter does not fail
        }
        return out.append('\n').toString();
    }

    private static void writeMdc(JsonGenerator g, Map<String, String> mdc) throws IOException {
        if (mdc == null || mdc.isEmpty()) {
            return;
        }
        g.writeObjectFieldStart("mdc");
        for (Map.Entry<String, String> e : new TreeMap<>(mdc).entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    private static void writeKeyValues(JsonGenerator g, List<KeyValuePair> pairs) throws IOException {
        if (pairs == null || pairs.isEmpty()) {
            return;
        }
        g.writeObjectFieldStart("kv");
        for (KeyValuePair kv : pairs) {
            g.writeStringField(kv.key, String.valueOf(kv.value));
        }
        g.writeEndObject();
    }

    @Override
    public String getContentType() {
        return "application/json";
    }
}
