package io.corral.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.coordinator.state.blobs.BlobRecord;
import io.corral.coordinator.state.blobs.UploadRecord;
import io.corral.coordinator.state.jobs.AttemptRecord;
import io.corral.coordinator.state.jobs.JobRecord;
import io.corral.coordinator.state.jobs.TaskLease;
import io.corral.coordinator.state.jobs.TaskProgress;
import io.corral.coordinator.state.jobs.TaskRecord;
import io.corral.coordinator.state.locks.LockRecord;
import io.corral.coordinator.state.locks.WaiterRecord;
import io.corral.protocol.AttemptOutcome;
import io.corral.protocol.TaskState;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodecTest {
    @Test
    void storedRecordsRoundTrip() {
        List<Object> values = List.of(
                new TaskRecord(
                        7,
                        2,
                        "a.png",
                        "ab".repeat(32),
                        10,
                        TaskState.FAILED,
                        3,
                        "decoder said no",
                        0,
                        null,
                        null,
                        null,
                        1_000),
                new TaskRecord(
                        7,
                        3,
                        "b.png",
                        "ab".repeat(32),
                        10,
                        TaskState.LEASED,
                        1,
                        null,
                        0,
                        new TaskLease("w1", 40, 5, 30_005),
                        new TaskProgress(50, "half", 6, 40),
                        null,
                        2_000),
                new AttemptRecord("w1", 40, 5, 9, AttemptOutcome.EXPIRED, "lapsed"),
                new LockRecord("l", "me", 42, 1000, 5, 1005, 0, 2, "alice"),
                new WaiterRecord("l", 43, "you", 1000, 6, 2006, "bob"),
                new BlobRecord(10, 1, 2, true, "png", 5, 0),
                new UploadRecord(10, 1, 5, "alice"),
                new io.corral.coordinator.state.blobs.ProofRecord(java.util.List.of(0, 2), false, 5));
        for (Object value : values) {
            assertThat(Codec.decode(Codec.encode(value), value.getClass())).isEqualTo(value);
        }
    }

    /** Derived accessors (id, state, summary) must not leak into the stored JSON, or decoding would refuse it. */
    @Test
    void jobRecordStoresOnlyItsComponents() {
        JobRecord job = new JobRecord(
                7,
                1,
                3,
                60_000,
                List.of("grayscale"),
                Map.of("b", "2", "a", "1"),
                "key",
                100,
                0,
                false,
                2,
                Map.of(TaskState.PENDING, 1, TaskState.LEASED, 1),
                "alice");
        String json = new String(Codec.encode(job), StandardCharsets.UTF_8);
        assertThat(json).doesNotContain("\"state\"", "\"id\"", "\"summary\"");
        assertThat(Codec.decode(Codec.encode(job), JobRecord.class)).isEqualTo(job);
        assertThat(job.counts()).hasSize(TaskState.values().length);
    }

    /** Jobs and log entries written before jobs had a task timeout read as "the worker's default". */
    @Test
    void recordsAndEntriesWithoutATaskTimeoutReadAsZero() {
        String stored = "{\"seq\":7,\"priority\":1,\"maxAttempts\":3,\"operations\":[],\"labels\":{},"
                + "\"idempotencyKey\":null,\"submittedAtMs\":100,\"finishedAtMs\":0,\"cancelled\":false,"
                + "\"tasks\":1,\"counts\":{\"PENDING\":1}}";
        JobRecord job = Codec.decode(stored.getBytes(StandardCharsets.UTF_8), JobRecord.class);
        assertThat(job.taskTimeoutMs()).isZero();
        assertThat(job.maxAttempts()).isEqualTo(3);

        Entry entry = Codec.fromJson("{\"nowMs\":1,\"command\":{\"type\":\"SubmitJob\",\"images\":[],"
                + "\"operations\":[],\"priority\":0,\"maxAttempts\":3,\"labels\":{},\"idempotencyKey\":null}}");
        assertThat(entry.command()).isEqualTo(new Command.SubmitJob(List.of(), List.of(), 0, 3, 0, Map.of(), null));
    }

    @Test
    void mapsAreWrittenInKeyOrderWhateverOrderTheyCameIn() {
        Map<String, String> forward = new LinkedHashMap<>();
        forward.put("a", "1");
        forward.put("b", "2");
        Map<String, String> backward = new LinkedHashMap<>();
        backward.put("b", "2");
        backward.put("a", "1");
        assertThat(Codec.encode(backward)).isEqualTo(Codec.encode(forward));
    }

    @Test
    void undecodableEntriesAreRefusedLoudly() {
        assertThatThrownBy(() -> Codec.fromJson("{\"nowMs\":1,\"command\":{\"type\":\"Nope\"}}"))
                .isInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(() -> Codec.decode("{".getBytes(StandardCharsets.UTF_8), TaskRecord.class))
                .isInstanceOf(IllegalStateException.class);
    }
}
