package io.corral.coordinator.raft;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.Entry;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.codec.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Encodings of what travels through Ratis. A write request is {@code [int json length][Command JSON][chunk bytes]};
 * the chunk bytes (only for {@link Command.PutChunk}) are split off by the leader into state-machine data so they
 * never enter the log segments. A log entry's data is the JSON of an {@link Entry}. Queries are the JSON of a {@link
 * Query} (the {@link Request} and its {@link Caller}), replies {@link Response} JSON; a {@link Command.Batch}'s reply is
 * a JSON array of its commands' replies.
 */
public final class RaftMessages {
    // Requests and responses travel here too (queries and their answers): the protocol's optional fields must decode.
    static final ObjectMapper JSON = new ObjectMapper()
            .findAndRegisterModules()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setInjectableValues(Json.absentFields());

    private RaftMessages() {}

    public static Message command(Command command) {
        byte[] json = write(command);
        byte[] data = command instanceof Command.PutChunk put && put.data() != null ? put.data() : new byte[0];
        ByteBuffer buf = ByteBuffer.allocate(4 + json.length + data.length);
        buf.putInt(json.length).put(json).put(data);
        return Message.valueOf(ByteString.copyFrom(buf.array()));
    }

    /** The JSON of a command without chunk bytes (the part of a write request {@link #commandOfJson} takes). */
    static byte[] commandJson(Command command) {
        return write(command);
    }

    /** The write request of a command without chunk bytes, from its JSON ({@link #commandJson}). */
    static Message commandOfJson(byte[] json) {
        ByteBuffer buf = ByteBuffer.allocate(4 + json.length);
        buf.putInt(json.length).put(json);
        return Message.valueOf(UnsafeByteOperations.unsafeWrap(buf.array()));
    }

    private static final byte[] BATCH_START = "{\"type\":\"Batch\",\"commands\":[".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BATCH_END = "]}".getBytes(StandardCharsets.UTF_8);

    /**
     * The write request of a {@link Command.Batch} of the commands whose JSON ({@link #commandJson}) is given, in
     * order: the same bytes as {@code command(new Batch(commands))}, assembled from JSON already written (the batcher
     * measured each command by it) rather than written again.
     */
    static Message batchOfJsons(List<byte[]> jsons) {
        int length = BATCH_START.length + BATCH_END.length + Math.max(0, jsons.size() - 1);
        for (byte[] json : jsons) {
            length += json.length;
        }
        ByteBuffer buf = ByteBuffer.allocate(4 + length);
        buf.putInt(length).put(BATCH_START);
        for (int i = 0; i < jsons.size(); i++) {
            if (i > 0) {
                buf.put((byte) ',');
            }
            buf.put(jsons.get(i));
        }
        buf.put(BATCH_END);
        return Message.valueOf(UnsafeByteOperations.unsafeWrap(buf.array()));
    }

    /** A write request split into its command and its (possibly empty) chunk bytes. */
    record Split(Command command, ByteString data) {}

    static Split split(ByteString content) {
        ByteBuffer buf = content.asReadOnlyByteBuffer();
        int jsonLength = buf.getInt();
        if (jsonLength < 0 || jsonLength > buf.remaining()) {
            throw new IllegalArgumentException("bad write request: json length " + jsonLength);
        }
        Command command = read(content.substring(4, 4 + jsonLength).toByteArray(), Command.class);
        return new Split(command, content.substring(4 + jsonLength));
    }

    static ByteString entry(Entry entry) {
        return ByteString.copyFrom(write(entry));
    }

    static Entry entry(ByteString logData) {
        return read(logData.toByteArray(), Entry.class);
    }

    /** A read and who asks it: the state machine answers as {@code caller} may see (its own jobs, say). */
    record Query(Request request, Caller caller) {}

    public static Message query(Request request, Caller caller) {
        return Message.valueOf(ByteString.copyFrom(write(new Query(request, caller))));
    }

    static Query query(ByteString content) {
        return read(content.toByteArray(), Query.class);
    }

    static Message reply(Response response) {
        return Message.valueOf(ByteString.copyFrom(write(response)));
    }

    static byte[] replyBytes(Response response) {
        return write(response);
    }

    public static Response reply(ByteString content) {
        return read(content.toByteArray(), Response.class);
    }

    private static final TypeReference<List<Response>> REPLIES = new TypeReference<>() {};

    /** The answer to a {@link Command.Batch}: a JSON array of the replies to its commands, in order. */
    static byte[] repliesBytes(List<Response> replies) {
        try {
            return JSON.writerFor(REPLIES).writeValueAsBytes(replies);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Response> replies(ByteString content) {
        try {
            return JSON.readValue(content.toByteArray(), REPLIES);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot decode the replies of a batch: " + e.getMessage(), e);
        }
    }

    private static byte[] write(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T read(byte[] bytes, Class<T> type) {
        try {
            return JSON.readValue(bytes, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot decode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
