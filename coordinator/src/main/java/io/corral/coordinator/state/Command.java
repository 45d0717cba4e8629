package io.corral.coordinator.state;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.corral.protocol.ImageRef;
import java.util.List;
import java.util.Map;

/**
 * A change to the replicated state, as it is written in the Raft log (inside an {@link Entry} that adds the leader's
 * time). Applying a command is deterministic: it depends only on the command, the entry's index and time, and the
 * state.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Command.SubmitJob.class, name = "SubmitJob"),
    @JsonSubTypes.Type(value = Command.CancelJob.class, name = "CancelJob"),
    @JsonSubTypes.Type(value = Command.AcquireLock.class, name = "AcquireLock"),
    @JsonSubTypes.Type(value = Command.ReleaseLock.class, name = "ReleaseLock"),
    @JsonSubTypes.Type(value = Command.RenewLock.class, name = "RenewLock"),
    @JsonSubTypes.Type(value = Command.ExpireLock.class, name = "ExpireLock"),
    @JsonSubTypes.Type(value = Command.CancelLockWait.class, name = "CancelLockWait"),
    @JsonSubTypes.Type(value = Command.PutChunk.class, name = "PutChunk"),
    @JsonSubTypes.Type(value = Command.SealBlob.class, name = "SealBlob"),
    @JsonSubTypes.Type(value = Command.CollectGarbage.class, name = "CollectGarbage"),
})
public sealed interface Command {

    record SubmitJob(
            List<ImageRef> images,
            List<String> operations,
            int priority,
            int maxAttempts,
            Map<String, String> labels,
            String idempotencyKey)
            implements Command {}

    record CancelJob(String jobId) implements Command {}

    /** {@code waitMs == 0}: try-acquire. Otherwise the acquirer queues until granted or its deadline passes. */
    record AcquireLock(String name, String owner, long ttlMs, long waitMs) implements Command {}

    record ReleaseLock(String name, long token) implements Command {}

    record RenewLock(String name, long token) implements Command {}

    /** The leader saw the TTL of grant {@code token} lapse. Applies only if that grant is still the holder. */
    record ExpireLock(String name, long token) implements Command {}

    /**
     * An acquirer stops waiting (its client gave up, or the leader saw its deadline pass). If it was granted
     * meanwhile, the grant stands and is returned, so no lock is ever held by nobody.
     */
    record CancelLockWait(String name, long waiterId) implements Command {}

    /**
     * One chunk of an upload. Its bytes are not part of the log entry's JSON: they travel as Raft state-machine data
     * and the adapter attaches them before apply with {@link #withData}.
     */
    record PutChunk(
            String sha256,
            long size,
            int index,
            int length,
            @JsonIgnore byte[] data) implements Command {
        public PutChunk withData(byte[] bytes) {
            return new PutChunk(sha256, size, index, length, bytes);
        }
    }

    record SealBlob(String sha256, long size, int chunks) implements Command {}

    /**
     * Deletes terminal jobs older than the job retention, blobs unreferenced for longer than the blob retention and
     * uploads abandoned for longer than the upload retention, at most {@code maxItems} of each kind per entry so one
     * entry never does unbounded work. The retentions travel in the command so every replica decides alike.
     */
    record CollectGarbage(long jobRetentionMs, long blobRetentionMs, long uploadRetentionMs, int maxItems)
            implements Command {}
}
