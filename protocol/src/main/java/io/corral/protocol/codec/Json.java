package io.corral.protocol.codec;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.InjectableValues;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.corral.protocol.Envelope;
import io.corral.protocol.JobView;
import io.corral.protocol.Limits;
import io.corral.protocol.Message;
import io.corral.protocol.Request;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The one JSON configuration of the protocol. An envelope is encoded as
 * {@code {"id":17,"message":{"type":"GetJob","jobId":"j-1","stale":false}}}.
 *
 * <p><b>Payload.</b> A frame's payload (protocol 3) is {@code [u32 JSON length][JSON envelope][binary part]}: the
 * binary part holds the bytes of the message's {@code byte[]} fields, whose JSON holds their lengths
 * ({@link Attachments}). It is empty for every message without image bytes. {@link #encode(Envelope)} and
 * {@link #decode(byte[])} work on whole payloads; the transport writes and reads the parts in its own buffers.
 *
 * <p>Decoding is strict, because a lenient decoder turns a client's typo into a silently different request:
 * unknown fields, unknown types, missing fields, duplicate keys, trailing data, numbers sent as strings, fractions
 * for whole numbers and {@code null} for primitives are all refused with a {@link MalformedMessageException} that
 * names the field.
 *
 * <p><b>Nulls.</b> Every field must be present, except {@code Hello.token} (absent means no token) and {@code
 * JobView.owner} (absent means none), but a reference field may be sent as {@code null}. For requests
 * (untrusted input) {@link #decode} refuses a {@code null} anywhere, in nested records, list elements and map keys
 * and values too, except in these optional fields, which handlers must treat as absent:
 * {@code SubmitJob.idempotencyKey}, {@code ListJobs.state} (all states), {@code ListJobs.before} (the first page), {@code TransferLeader.targetId} (any
 * member), {@code AddPeer.httpAddress} (the new member's own) and {@code Hello.token} (no token). Responses are not checked: a client must expect {@code null} where a view documents it.
 */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addMixIn(Message.class, MessageMixin.class)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            // Sorted map keys (labels, counts) make encodings deterministic: golden files, logs and diffs stay stable.
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            // Jackson turns 5 into "5" for string fields unless told not to; a number where a name belongs is a bug.
            .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .addModule(Attachments.module())
            .injectableValues(absentFields())
            .build();

    /**
     * What Jackson supplies for the fields that may be absent (Hello.token, JobView.owner; see their javadoc): null.
     * Every mapper that decodes protocol messages needs it, or a message without such a field does not decode.
     */
    public static InjectableValues absentFields() {
        return new InjectableValues.Std()
                .addValue(Request.Hello.TOKEN_ABSENT, null)
                .addValue(JobView.OWNER_ABSENT, null);
    }

    private static final String LAYOUT = "[u32 JSON length][JSON][binary part]";

    /** Bytes of the JSON length that starts a payload. */
    public static final int JSON_LENGTH_BYTES = 4;

    /** Fixed "\n" line ends so golden files and CLI output do not depend on the platform. */
    private static final ObjectWriter PRETTY =
            MAPPER.writer(new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n")));

    private Json() {}

    /**
     * The shared, configured mapper, for printing views and messages (the CLI's {@code --json}). It must not be
     * reconfigured: every encoder and decoder of the protocol uses it.
     */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** The whole payload of a frame carrying {@code envelope}: JSON length, JSON, binary part. */
    public static byte[] encode(Envelope envelope) {
        ByteArrayOutputStream json = new ByteArrayOutputStream(256);
        List<byte[]> attachments;
        try {
            attachments = encode(envelope, json);
        } catch (IOException e) {
            // Records of strings, numbers and lists always serialize; failing here is a bug in a message type.
            throw new IllegalStateException(
                    "cannot encode " + envelope.message().getClass().getSimpleName(), e);
        }
        return payload(json.toByteArray(), attachments.toArray(new byte[0][]));
    }

    /**
     * Writes the compact JSON of {@code envelope} to {@code out} and returns the bytes of its {@code byte[]} fields,
     * in order, which make the payload's binary part (the transport writes both into its buffers).
     */
    public static List<byte[]> encode(Envelope envelope, OutputStream out) throws IOException {
        Attachments.Sink sink = new Attachments.Sink();
        MAPPER.writer().withAttribute(Attachments.SINK, sink).writeValue(out, envelope);
        return sink.parts();
    }

    /** A payload made of a JSON envelope and the binary part (tests and tools that write frames by hand). */
    public static byte[] payload(byte[] json, byte[]... attachments) {
        int length = JSON_LENGTH_BYTES + json.length;
        for (byte[] a : attachments) {
            length += a.length;
        }
        ByteBuffer out = ByteBuffer.allocate(length).putInt(json.length).put(json);
        for (byte[] a : attachments) {
            out.put(a);
        }
        return out.array();
    }

    /** Indented JSON with "\n" line ends: golden files, and anything printed for people. */
    public static String pretty(Object value) {
        try {
            return PRETTY.writeValueAsString(value);
        } catch (JacksonException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Envelope decode(byte[] bytes) throws MalformedMessageException {
        return decode(bytes, 0, bytes.length);
    }

    /** Decodes a payload of {@code length} bytes from {@code offset}; see the class comment for what is refused. */
    public static Envelope decode(byte[] bytes, int offset, int length) throws MalformedMessageException {
        int json = jsonLength(
                length,
                length >= JSON_LENGTH_BYTES
                        ? ByteBuffer.wrap(bytes, offset, length).getInt()
                        : 0,
                length > 0 ? bytes[offset] : 0);
        int binary = offset + JSON_LENGTH_BYTES + json;
        return decode(
                bytes,
                offset + JSON_LENGTH_BYTES,
                json,
                Attachments.of(bytes, binary, length - JSON_LENGTH_BYTES - json));
    }

    /**
     * Checks a payload's declared JSON length against its size and returns it. A payload that starts with '{' is
     * JSON without a length: a peer of protocol 2, told so by name.
     *
     * @param payloadBytes the size of the payload
     * @param declared the first four bytes of the payload as a big-endian int
     * @param firstByte the payload's first byte
     */
    public static int jsonLength(int payloadBytes, int declared, byte firstByte) throws MalformedMessageException {
        if (payloadBytes == 0) {
            throw new MalformedMessageException("empty frame; expected a JSON envelope", 0);
        }
        if (firstByte == '{') {
            throw new MalformedMessageException(
                    "the frame holds JSON without its length: the peer speaks protocol 2 or older, this one "
                            + Limits.PROTOCOL_VERSION,
                    0);
        }
        if (payloadBytes < JSON_LENGTH_BYTES) {
            throw new MalformedMessageException(
                    "the frame of " + payloadBytes + " bytes is too short for its JSON length; expected " + LAYOUT, 0);
        }
        if (declared <= 0 || declared > payloadBytes - JSON_LENGTH_BYTES) {
            throw new MalformedMessageException(
                    "the frame's JSON length " + declared + " does not fit its " + payloadBytes + " bytes; expected "
                            + LAYOUT,
                    0);
        }
        return declared;
    }

    /**
     * Decodes {@code length} bytes of JSON from {@code offset}, taking the bytes of {@code byte[]} fields from
     * {@code binary}, which must be used up exactly.
     */
    public static Envelope decode(byte[] bytes, int offset, int length, Attachments.Source binary)
            throws MalformedMessageException {
        if (length == 0) {
            throw new MalformedMessageException("empty frame; expected a JSON envelope", 0);
        }
        Envelope envelope;
        try {
            envelope = MAPPER.readerFor(Envelope.class)
                    .withAttribute(Attachments.SOURCE, binary)
                    .readValue(bytes, offset, length);
        } catch (IOException e) {
            throw new MalformedMessageException(DecodeErrors.describe(e), readableId(bytes, offset, length));
        }
        if (envelope != null && binary.remaining() > 0) {
            throw new MalformedMessageException(
                    "the frame's binary part has " + binary.remaining() + " bytes that no field of "
                            + envelope.message().getClass().getSimpleName() + " declares",
                    envelope.id());
        }
        if (envelope == null) {
            throw new MalformedMessageException("the frame holds JSON null; expected an envelope", 0);
        }
        if (envelope.message() instanceof Request request) {
            String nullField = NullFields.firstForbiddenNull(request);
            if (nullField != null) {
                throw new MalformedMessageException(nullField, envelope.id());
            }
        }
        return envelope;
    }

    /**
     * Second, forgiving look at a payload that failed to decode, so the error reply can carry the request's id and
     * the client can match it to the call that caused it.
     */
    private static long readableId(byte[] bytes, int offset, int length) {
        try {
            JsonNode id = MAPPER.readTree(bytes, offset, length).path("id");
            return id.canConvertToLong() && id.isIntegralNumber() && id.asLong() > 0 ? id.asLong() : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
