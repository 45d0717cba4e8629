package io.corral.coordinator.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The one JSON mapping of the replicated state: log entries and the small records stored as values. Every replica
 * must produce the same bytes for the same value, so maps are written in key order (a label map decoded from the log
 * keeps the order the client sent, which is deterministic too, but sorting removes the question).
 */
public final class Codec {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private Codec() {}

    public static byte[] encode(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            // The core only encodes its own records; failing here is a bug, not bad input.
            throw new IllegalStateException("cannot encode " + value.getClass().getName(), e);
        }
    }

    /** Decodes a stored value. A value that does not decode means the store is corrupt or a bug wrote it. */
    public static <T> T decode(byte[] bytes, Class<T> type) {
        try {
            return MAPPER.readValue(bytes, type);
        } catch (IOException e) {
            throw new IllegalStateException("stored value does not decode as " + type.getSimpleName(), e);
        }
    }

    public static byte[] encodeEntry(Entry entry) {
        return encode(entry);
    }

    /**
     * Decodes a log entry. {@link Command.PutChunk#data()} is null afterwards: chunk bytes travel outside the entry.
     *
     * @throws UncheckedIOException if the bytes are not an entry this build understands
     */
    public static Entry decodeEntry(byte[] bytes) {
        try {
            return MAPPER.readValue(bytes, Entry.class);
        } catch (IOException e) {
            throw new UncheckedIOException("log entry does not decode", e);
        }
    }

    /** Indented JSON, for golden files and for humans. */
    public static String toPrettyJson(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value.getClass().getName(), e);
        }
    }

    public static Entry fromJson(String json) {
        return decodeEntry(json.getBytes(StandardCharsets.UTF_8));
    }
}
