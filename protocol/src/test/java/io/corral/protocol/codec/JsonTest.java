package io.corral.protocol.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import io.corral.protocol.Envelope;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import io.corral.protocol.TaskView;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonTest {

    @Test
    void encodesTheDocumentedCompactShape() {
        byte[] payload = Json.encode(new Envelope(17, new Request.GetJob("j-1", false)));
        String json = "{\"id\":17,\"message\":{\"type\":\"GetJob\",\"jobId\":\"j-1\",\"stale\":false}}";

        assertThat(ByteBuffer.wrap(payload).getInt()).isEqualTo(json.length());
        assertThat(new String(payload, 4, payload.length - 4, StandardCharsets.UTF_8))
                .isEqualTo(json);
    }

    /** A Hello without a token is encoded exactly as before tokens existed, so old coordinators still accept it. */
    @Test
    void aHelloWithoutATokenLeavesTheFieldOut() throws Exception {
        String json = "{\"id\":1,\"message\":{\"type\":\"Hello\",\"protocolVersion\":3,\"client\":\"c\"}}";
        byte[] payload = Json.encode(new Envelope(1, new Request.Hello(3, "c")));

        assertThat(new String(payload, 4, payload.length - 4, StandardCharsets.UTF_8))
                .isEqualTo(json);
        Request.Hello decoded = (Request.Hello)
                Json.decode(Json.payload(json.getBytes(StandardCharsets.UTF_8))).message();
        assertThat(decoded.token()).isNull();
        assertThat(decoded.hasToken()).isFalse();
    }

    @Test
    void aHelloCarriesItsTokenButNeverPrintsIt() throws Exception {
        Request.Hello hello = new Request.Hello(3, "c", "corral_s3cret");
        Envelope decoded = Json.decode(Json.encode(new Envelope(1, hello)));

        assertThat(((Request.Hello) decoded.message()).token()).isEqualTo("corral_s3cret");
        assertThat(hello.toString()).doesNotContain("s3cret").contains("token=(redacted)");
        assertThat(decoded.toString()).doesNotContain("s3cret");
        // null is "no token" too; a token of the wrong type is refused without echoing it.
        String nullToken =
                "{\"id\":1,\"message\":{\"type\":\"Hello\",\"protocolVersion\":3,\"client\":\"c\",\"token\":null}}";
        assertThat(((Request.Hello) Json.decode(Json.payload(nullToken.getBytes(StandardCharsets.UTF_8)))
                                .message())
                        .token())
                .isNull();
        String numeric =
                "{\"id\":1,\"message\":{\"type\":\"Hello\",\"protocolVersion\":3,\"client\":\"c\",\"token\":271828}}";
        assertThatThrownBy(() -> Json.decode(Json.payload(numeric.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessage("field 'token' of Hello must be a string")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("271828"));
    }

    /** Only Hello.token may be absent: every other field of every message is still required. */
    @Test
    void otherFieldsOfHelloAreStillRequired() {
        String json = "{\"id\":1,\"message\":{\"type\":\"Hello\",\"protocolVersion\":3}}";
        assertThatThrownBy(() -> Json.decode(Json.payload(json.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessage("missing field 'client' of Hello");
    }

    @Test
    void imageBytesFollowTheJsonAsTheyAreAndTheJsonHoldsTheirLength() throws Exception {
        byte[] bytes = {(byte) 0xFF, (byte) 0xD8, 0, 1, 2, '"', '\\'};
        Envelope envelope = new Envelope(5, new Request.PutChunk("s", 7, 0, bytes));
        byte[] payload = Json.encode(envelope);
        String json =
                "{\"id\":5,\"message\":{\"type\":\"PutChunk\",\"sha256\":\"s\",\"size\":7,\"index\":0,\"data\":7}}";

        assertThat(payload).isEqualTo(Json.payload(json.getBytes(StandardCharsets.UTF_8), bytes));
        assertThat(Json.decode(payload)).usingRecursiveComparison().isEqualTo(envelope);
        // A message printed for people shows the length, not megabytes of bytes.
        assertThat(Json.pretty(envelope)).contains("\"data\" : 7");
    }

    @Test
    void anEmptyAttachmentNeedsNoBinaryPart() throws Exception {
        Envelope envelope = new Envelope(5, new Request.PutChunk("s", 0, 0, new byte[0]));
        byte[] payload = Json.encode(envelope);

        assertThat(Json.decode(payload)).usingRecursiveComparison().isEqualTo(envelope);
    }

    /** Each row: the JSON, the binary part, then the exact message a client author reads. */
    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"id":1,"message":{"type":"PutChunk","sha256":"x","size":4,"index":0,"data":"dGVzdA=="}} |      | field 'data' of PutChunk must be the length in bytes of its binary attachment, got text (protocol 2 sent base64 text; protocol 3 sends the bytes after the JSON)
            {"id":1,"message":{"type":"PutChunk","sha256":"x","size":4,"index":0,"data":[1,2]}}      |      | field 'data' of PutChunk must be the length in bytes of its binary attachment
            {"id":1,"message":{"type":"PutChunk","sha256":"x","size":4,"index":0,"data":5}}          | test | field 'data' of PutChunk declares 5 bytes but the frame's binary part has 4 left
            {"id":1,"message":{"type":"PutChunk","sha256":"x","size":4,"index":0,"data":-1}}         | test | field 'data' of PutChunk declares -1 bytes but the frame's binary part has 4 left
            {"id":1,"message":{"type":"PutChunk","sha256":"x","size":4,"index":0,"data":3}}          | test | the frame's binary part has 1 bytes that no field of PutChunk declares
            {"id":1,"message":{"type":"GetNodeStatus"}}                                              | test | the frame's binary part has 4 bytes that no field of GetNodeStatus declares
            """)
    void refusesABinaryPartThatDoesNotMatchTheFields(String json, String binary, String expected) {
        byte[] part = binary == null ? new byte[0] : binary.getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> Json.decode(Json.payload(json.getBytes(StandardCharsets.UTF_8), part)))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessage(expected);
    }

    @Test
    void refusesAPayloadWhoseJsonLengthDoesNotFit() {
        byte[] json = "{\"id\":1,\"message\":{\"type\":\"GetNodeStatus\"}}".getBytes(StandardCharsets.UTF_8);
        byte[] tooLong = Json.payload(json);
        ByteBuffer.wrap(tooLong).putInt(0, json.length + 1);

        assertThatThrownBy(() -> Json.decode(tooLong))
                .hasMessage("the frame's JSON length 44 does not fit its 47 bytes; expected [u32 JSON length][JSON]"
                        + "[binary part]");
        assertThatThrownBy(() -> Json.decode(new byte[] {0, 0}))
                .hasMessage("the frame of 2 bytes is too short for its JSON length; expected [u32 JSON length]"
                        + "[JSON][binary part]");
        assertThatThrownBy(() -> Json.decode(Json.payload(new byte[0])))
                .hasMessageContaining("the frame's JSON length 0 does not fit");
    }

    @Test
    void namesAPeerOfTheOldProtocol() {
        byte[] protocol2 = "{\"id\":1,\"message\":{\"type\":\"GetNodeStatus\"}}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Json.decode(protocol2))
                .hasMessage("the frame holds JSON without its length: the peer speaks protocol 2 or older, this one "
                        + Limits.PROTOCOL_VERSION);
    }

    @Test
    void roundTripsRequestsAndResponses() throws Exception {
        Envelope request = new Envelope(3, new Request.AcquireLock("l", "me", 1000, 0));
        Envelope response = new Envelope(3, new Response.ErrorReply(ErrorCode.LOCK_HELD, "held by you"));

        assertThat(Json.decode(Json.encode(request))).isEqualTo(request);
        assertThat(Json.decode(Json.encode(response))).isEqualTo(response);
    }

    /** Each row: the payload, then the exact message a client author reads. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"id":1,"message":{"type":"Foo"}}                                            | unknown message type 'Foo'
            {"id":1,"message":{"type":"Request"}}                                        | unknown message type 'Request'
            {"id":1,"message":{"jobId":"x","stale":false}}                               | the message has no 'type' field
            {"id":1,"message":{"type":"GetJob","jobId":"x"}}                             | missing field 'stale' of GetJob
            {"id":1,"message":{"type":"GetJob","jobId":"x","stale":false,"extra":1}}     | unknown field 'extra' of GetJob
            {"id":1,"message":{"type":"AcquireLock","name":"x","owner":"o","ttlMs":"abc","waitMs":0}} | field 'ttlMs' of AcquireLock must be a number
            {"id":1,"message":{"type":"AcquireLock","name":"x","owner":"o","ttlMs":"100","waitMs":0}} | field 'ttlMs' of AcquireLock must be a number
            {"id":1,"message":{"type":"AcquireLock","name":"x","owner":"o","ttlMs":null,"waitMs":0}}  | field 'ttlMs' of AcquireLock must be a number
            {"id":1,"message":{"type":"AcquireLock","name":"x","owner":"o","ttlMs":1.5,"waitMs":0}}   | field 'ttlMs' of AcquireLock must be a number, got '1.5'
            {"id":1,"message":{"type":"AcquireLock","name":5,"owner":"o","ttlMs":1,"waitMs":0}}       | field 'name' of AcquireLock must be a string, got '5'
            {"id":1,"message":{"type":"AcquireLock","name":null,"owner":"o","ttlMs":1,"waitMs":0}}    | field 'name' of AcquireLock must not be null
            {"id":1,"message":{"type":"PutChunk","sha256":"x","size":1,"index":99999999999,"data":0}} | field 'index' of PutChunk is out of range
            {"id":1,"message":{"type":"ListJobs","state":"NOPE","limit":1,"stale":true}} | field 'state' of ListJobs must be one of [PENDING, LEASED, SUCCEEDED, FAILED, DEAD, CANCELLED], got 'NOPE'
            {"id":1,"message":{"type":"ListJobs","state":null,"limit":1,"stale":"yes"}}  | field 'stale' of ListJobs must be true or false
            {"id":1,"message":{"type":"SubmitJob","images":{},"operations":[],"priority":0,"maxAttempts":1,"taskTimeoutMs":0,"labels":{},"idempotencyKey":null}} | field 'images' of SubmitJob must be an array
            {"id":1,"message":{"type":"SubmitJob","images":[{"name":"a","sha256":"b","size":"x"}],"operations":[],"priority":0,"maxAttempts":1,"taskTimeoutMs":0,"labels":{},"idempotencyKey":null}} | field 'images[0].size' of SubmitJob must be a number
            {"id":1,"message":{"type":"SubmitJob","images":[],"operations":["a",5],"priority":0,"maxAttempts":1,"taskTimeoutMs":0,"labels":{},"idempotencyKey":null}} | field 'operations[1]' of SubmitJob must be a string, got '5'
            {"id":1,"message":{"type":"SubmitJob","images":[],"operations":[],"priority":0,"maxAttempts":1,"labels":{},"idempotencyKey":null}} | missing field 'taskTimeoutMs' of SubmitJob
            {"id":1,"message":{"type":"GetNodeStatus"}} xx                               | `malformed JSON at line 1, column 47: Unrecognized token 'xx': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')`
            {"id":1,"message":{"type":"GetNodeStatus"}                                   | malformed JSON at line 1, column 43: Unexpected end-of-input: expected close marker for Object
            {"id":1,"id":2,"message":{"type":"GetNodeStatus"}}                           | malformed JSON at line 1, column 13: Duplicate field 'id'
            {"id":1}                                                                     | missing field 'message' of Envelope
            {"id":1,"message":null}                                                      | field 'message' of Envelope must not be null
            {"id":-1,"message":{"type":"GetNodeStatus"}}                                 | invalid Envelope: request id must be >= 0, got -1
            {"id":"7","message":{"type":"GetNodeStatus"}}                                | field 'id' of Envelope must be a number
            [1,2]                                                                        | `expected a JSON object {"id":..,"message":{"type":..}}`
            null                                                                         | the frame holds JSON null; expected an envelope
            """)
    void refusesWithAClearMessage(String json, String expected) {
        assertThatThrownBy(() -> Json.decode(Json.payload(json.strip().getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessage(expected);
    }

    @Test
    void refusesAnEmptyPayload() {
        assertThatThrownBy(() -> Json.decode(new byte[0]))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessage("empty frame; expected a JSON envelope");
    }

    @Test
    void keepsTheIdOfAMalformedMessageWhenItCanBeRead() {
        MalformedMessageException unknownType = decodeError("{\"id\":42,\"message\":{\"type\":\"Foo\"}}");
        MalformedMessageException badJson = decodeError("{\"id\":42,\"message\":");
        MalformedMessageException nullField =
                decodeError("{\"id\":43,\"message\":{\"type\":\"CancelJob\",\"jobId\":null}}");

        assertThat(unknownType.id()).isEqualTo(42);
        assertThat(badJson.id()).isZero();
        assertThat(nullField.id()).isEqualTo(43);
    }

    @Test
    void refusesNullsInsideRequests() {
        Request nullImageField =
                new Request.SubmitJob(List.of(new ImageRef("a.jpg", null, 1)), List.of(), 0, 1, Map.of(), null);
        Request nullOperation = new Request.SubmitJob(
                List.of(new ImageRef("a.jpg", "s", 1)), Arrays.asList("grayscale", null), 0, 1, Map.of(), null);
        Map<String, String> labels = new HashMap<>();
        labels.put("team", null);
        Request nullLabel =
                new Request.SubmitJob(List.of(new ImageRef("a.jpg", "s", 1)), List.of(), 0, 1, labels, null);

        assertThat(decodeError(nullImageField)).hasMessage("field 'images[0].sha256' of SubmitJob must not be null");
        assertThat(decodeError(nullOperation)).hasMessage("field 'operations[1]' of SubmitJob must not be null");
        assertThat(decodeError(nullLabel)).hasMessage("field 'labels' of SubmitJob must not hold null keys or values");
    }

    @Test
    void acceptsNullOnlyInTheDocumentedOptionalRequestFields() throws Exception {
        List<Request> optionalNulls = List.of(
                new Request.SubmitJob(List.of(new ImageRef("a.jpg", "s", 1)), List.of(), 0, 1, Map.of(), null),
                new Request.ListJobs(null, 10, false),
                new Request.TransferLeader(null));

        for (Request request : optionalNulls) {
            Envelope envelope = new Envelope(1, request);
            assertThat(Json.decode(Json.encode(envelope))).isEqualTo(envelope);
        }
        assertThat(decodeError(new Request.SubmitJob(List.of(), List.of(), 0, 1, null, null)))
                .hasMessage("field 'labels' of SubmitJob must not be null");
    }

    /** Responses come from a coordinator and carry documented nulls (a task's error, an unknown leader). */
    @Test
    void acceptsNullsInResponses() throws Exception {
        Envelope envelope = new Envelope(
                1,
                new Response.JobDetail(new io.corral.protocol.JobView(
                        "j",
                        null,
                        0,
                        1,
                        0,
                        List.of(),
                        Map.of(),
                        null,
                        0,
                        0,
                        false,
                        Map.of(),
                        List.of(new TaskView(
                                "t", 0, "a.jpg", "s", 1, TaskState.PENDING, 0, null, null, -1, null, null)),
                        null)));

        assertThat(Json.decode(Json.encode(envelope))).isEqualTo(envelope);
    }

    /**
     * A job without an owner (authentication off) is sent without the field, as before owners existed, so older
     * clients decode it; a JobView without the field decodes with a null owner.
     */
    @Test
    void jobViewWithoutOwnerLeavesTheFieldOut() throws Exception {
        Envelope envelope = new Envelope(
                1,
                new Response.JobDetail(new io.corral.protocol.JobView(
                        "job-1", null, 0, 1, 0, List.of(), Map.of(), null, 0, 0, false, Map.of(), List.of(), null)));

        String json = new String(Json.encode(envelope), java.nio.charset.StandardCharsets.UTF_8);

        assertThat(json).doesNotContain("owner");
        assertThat(Json.decode(Json.encode(envelope))).isEqualTo(envelope);
    }

    /** A record missing from @JsonSubTypes could be sent but not received; catch it here, not in production. */
    @Test
    void typeNamesAreTheSimpleNamesOfEveryPermittedSubclass() {
        for (Class<?> family : List.of(Request.class, Response.class)) {
            Map<Class<?>, String> registered = Arrays.stream(
                            family.getAnnotation(JsonSubTypes.class).value())
                    .collect(Collectors.toMap(JsonSubTypes.Type::value, JsonSubTypes.Type::name));
            Set<Class<?>> permitted = Set.of(family.getPermittedSubclasses());

            assertThat(registered.keySet()).as(family.getSimpleName()).isEqualTo(permitted);
            registered.forEach((type, name) -> assertThat(name).isEqualTo(type.getSimpleName()));
        }
    }

    @Test
    void prettyPrintsWithNewlinesOnly() {
        String pretty = Json.pretty(new Envelope(1, new Response.Ack()));

        assertThat(pretty).isEqualTo("{\n  \"id\" : 1,\n  \"message\" : {\n    \"type\" : \"Ack\"\n  }\n}");
    }

    private static MalformedMessageException decodeError(Request request) {
        return decodeError(Json.encode(new Envelope(1, request)));
    }

    private static MalformedMessageException decodeError(String json) {
        return decodeError(Json.payload(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static MalformedMessageException decodeError(byte[] payload) {
        try {
            Json.decode(payload);
        } catch (MalformedMessageException e) {
            return e;
        }
        throw new AssertionError("decoded without error: " + new String(payload, StandardCharsets.UTF_8));
    }
}
