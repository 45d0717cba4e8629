package io.corral.protocol.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The binary part of a payload (protocol 3). Image bytes travel as they are, not as base64 text: in the JSON a
 * {@code byte[]} field holds its length, and the bytes of every such field follow the JSON in field order. Base64
 * cost a third more bytes on the wire and, on the leader, a quarter of its CPU time in encoding and decoding.
 */
public final class Attachments {
    /** Context attribute: the {@link Sink} that collects the bytes of {@code byte[]} fields while encoding. */
    static final String SINK = "corral.attachments.sink";
    /** Context attribute: the {@link Source} that {@code byte[]} fields are read from while decoding. */
    static final String SOURCE = "corral.attachments.source";
    /** Marks a decode error that already says what is wrong with an attachment. */
    static final String ERROR_PREFIX = "attachment: ";

    private Attachments() {}

    /** Where a decoder takes the bytes of {@code byte[]} fields from, in field order. */
    public interface Source {
        /** Bytes not yet taken. */
        int remaining();

        /** Takes the next {@code count} bytes ({@code count <= remaining()}). */
        byte[] take(int count);
    }

    /** A source over part of an array. */
    public static Source of(byte[] bytes, int offset, int length) {
        return new Source() {
            private int position = offset;
            private final int end = offset + length;

            @Override
            public int remaining() {
                return end - position;
            }

            @Override
            public byte[] take(int count) {
                byte[] out = Arrays.copyOfRange(bytes, position, position + count);
                position += count;
                return out;
            }
        };
    }

    /** The bytes of {@code byte[]} fields collected while encoding one envelope. */
    static final class Sink {
        private final List<byte[]> parts = new ArrayList<>(1);

        void add(byte[] part) {
            parts.add(part);
        }

        List<byte[]> parts() {
            return parts;
        }
    }

    static SimpleModule module() {
        SimpleModule module = new SimpleModule("corral-attachments");
        module.addSerializer(byte[].class, new Writer());
        module.addDeserializer(byte[].class, new Reader());
        return module;
    }

    /**
     * Writes a {@code byte[]} field as its length and hands its bytes to the sink. Outside a frame (a message
     * printed for people) there is no sink: the length alone says what the field holds.
     */
    private static final class Writer extends StdSerializer<byte[]> {
        Writer() {
            super(byte[].class);
        }

        @Override
        public void serialize(byte[] value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            Object sink = provider.getAttribute(SINK);
            if (sink instanceof Sink s) {
                s.add(value);
            }
            gen.writeNumber(value.length);
        }
    }

    /** Reads a {@code byte[]} field: its length from the JSON, its bytes from the payload's binary part. */
    private static final class Reader extends StdDeserializer<byte[]> {
        Reader() {
            super(byte[].class);
        }

        @Override
        public byte[] deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw MismatchedInputException.from(
                        p,
                        byte[].class,
                        ERROR_PREFIX + "must be the length in bytes of its binary attachment"
                                + (p.currentToken() == JsonToken.VALUE_STRING
                                        ? ", got text (protocol 2 sent base64 text; protocol 3 sends the bytes after"
                                                + " the JSON)"
                                        : ""));
            }
            long length = p.getLongValue();
            Object source = ctxt.getAttribute(SOURCE);
            int remaining = source instanceof Source s ? s.remaining() : 0;
            if (length < 0 || length > remaining) {
                throw MismatchedInputException.from(
                        p,
                        byte[].class,
                        ERROR_PREFIX + "declares " + length + " bytes but the frame's binary part has " + remaining
                                + " left");
            }
            return length == 0 ? new byte[0] : ((Source) source).take((int) length);
        }
    }
}
