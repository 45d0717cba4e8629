package io.corral.coordinator.state.jobs;

import io.corral.coordinator.state.kv.Keys;
import io.corral.protocol.JobState;

/**
 * Ids and keys of the job spaces. A job's seq is the Raft index of its submission (or the next free number when a
 * batched entry holds several, {@link JobSeq}); its id is {@code "job-<seq>"} and its tasks are
 * {@code "job-<seq>.<i>"}. Keys use the numbers, not the id text, because {@code "job-10"} sorts before {@code "job-9"}
 * as text.
 *
 * <pre>
 * JOBS           u64 seq                                  -> JobRecord
 * TASKS          u64 seq | u32 task index                 -> TaskRecord   (a job's tasks are one key range)
 * JOBS_BY_STATE  state name | 0x00 | u64 seq              -> job id
 * PENDING        u32 inverted priority | u64 seq | u32 i  -> task id      (highest priority, then oldest, first)
 * IDEMPOTENCY    [owner | 0x00 |] idempotency key (UTF-8) -> job id       (each tenant's keys apart)
 * JOBS_BY_OWNER  owner | 0x00 | state name | 0x00 | u64 seq -> job id      (a tenant's jobs by state)
 * JOBS_FINISHED  u64 finished at ms | u64 seq             -> job id
 * BACKOFF        u64 not before ms | u64 seq | u32 i      -> task id      (PENDING tasks waiting out a retry backoff)
 * LEASE_EXPIRY   u64 expires at ms | u64 seq | u32 i      -> u64 token    (LEASED tasks, soonest expiry first)
 * WORKER_LEASES  worker id | 0x00 | u64 seq | u32 i       -> u64 token    (a worker's leases)
 * TASK_ATTEMPTS  u64 seq | u32 i | u64 token              -> AttemptRecord (ended leases, oldest first)
 * </pre>
 */
public final class JobKeys {
    private static final String JOB_PREFIX = "job-";

    private JobKeys() {}

    /** A task named by its job's seq and its index in the job. */
    public record TaskRef(long seq, int index) {}

    public static String jobId(long seq) {
        return JOB_PREFIX + seq;
    }

    public static String taskId(long seq, int index) {
        return jobId(seq) + "." + index;
    }

    /** The seq in a job id, or -1 when the text is not an id this core hands out. */
    public static long parseJobId(String id) {
        if (id == null || !id.startsWith(JOB_PREFIX) || id.length() > JOB_PREFIX.length() + 19) {
            return -1;
        }
        try {
            long seq = Long.parseLong(id.substring(JOB_PREFIX.length()));
            // Round-trip so "job-007" or "job-+7" do not alias "job-7".
            return seq > 0 && jobId(seq).equals(id) ? seq : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The job seq and index in a task id, or null when the text is not a task id this core hands out. */
    public static TaskRef parseTaskId(String id) {
        int dot = id == null ? -1 : id.lastIndexOf('.');
        if (dot < 0) {
            return null;
        }
        long seq = parseJobId(id.substring(0, dot));
        try {
            int index = Integer.parseInt(id.substring(dot + 1));
            return seq > 0 && index >= 0 && taskId(seq, index).equals(id) ? new TaskRef(seq, index) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public static byte[] job(long seq) {
        return Keys.u64(seq);
    }

    public static byte[] task(long seq, int index) {
        return Keys.concat(Keys.u64(seq), Keys.u32(index));
    }

    /** Prefix of every task of one job. */
    public static byte[] tasksOf(long seq) {
        return Keys.u64(seq);
    }

    public static byte[] byState(JobState state, long seq) {
        return Keys.concat(byStatePrefix(state), Keys.u64(seq));
    }

    public static byte[] byStatePrefix(JobState state) {
        return Keys.concat(Keys.utf8(state.name()), Keys.SEPARATOR);
    }

    /**
     * {@code ~priority} reverses the order (higher priority, smaller value) without overflow for any int; flipping
     * the sign bit then makes unsigned byte order agree with signed order.
     */
    public static byte[] pending(int priority, long seq, int index) {
        return Keys.concat(Keys.u32(~priority ^ Integer.MIN_VALUE), Keys.u64(seq), Keys.u32(index));
    }

    public static byte[] finished(long finishedAtMs, long seq) {
        return Keys.concat(Keys.u64(finishedAtMs), Keys.u64(seq));
    }

    static long finishedSeq(byte[] key) {
        return Keys.readU64(key, 8);
    }

    /** A task key (seq, index) read from {@code key} at {@code offset}. */
    public static TaskRef taskAt(byte[] key, int offset) {
        return new TaskRef(Keys.readU64(key, offset), Keys.readU32(key, offset + 8));
    }

    public static byte[] backoff(long notBeforeMs, long seq, int index) {
        return Keys.concat(Keys.u64(notBeforeMs), task(seq, index));
    }

    public static byte[] leaseExpiry(long expiresAtMs, long seq, int index) {
        return Keys.concat(Keys.u64(expiresAtMs), task(seq, index));
    }

    /** Worker ids are validated names (no NUL), so {@code id | 0x00} is an unambiguous prefix. */
    public static byte[] workerLeasesOf(String workerId) {
        return Keys.concat(Keys.utf8(workerId), Keys.SEPARATOR);
    }

    public static byte[] workerLease(String workerId, long seq, int index) {
        return Keys.concat(workerLeasesOf(workerId), task(seq, index));
    }

    public static byte[] attempt(long seq, int index, long token) {
        return Keys.concat(task(seq, index), Keys.u64(token));
    }

    /**
     * A job's idempotency key, apart for each owner: one tenant's key never finds another tenant's job. Jobs without
     * an owner keep the key alone (a key holds no 0x00: {@link JobRules} allows printable text only).
     */
    public static byte[] idempotency(String owner, String key) {
        return owner == null ? Keys.utf8(key) : Keys.concat(Keys.utf8(owner), Keys.SEPARATOR, Keys.utf8(key));
    }

    public static byte[] byOwner(String owner, JobState state, long seq) {
        return Keys.concat(byOwnerPrefix(owner, state), Keys.u64(seq));
    }

    public static byte[] byOwnerPrefix(String owner, JobState state) {
        return Keys.concat(Keys.utf8(owner), Keys.SEPARATOR, Keys.utf8(state.name()), Keys.SEPARATOR);
    }
}
