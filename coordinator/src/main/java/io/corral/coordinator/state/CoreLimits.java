package io.corral.coordinator.state;

import io.corral.protocol.Limits;

/**
 * Limits of one coordinator's state machine, tighter than or equal to the protocol's hard {@link Limits}. Every
 * replica must run with the same values (they come from the cluster configuration), since apply checks them.
 *
 * @param maxImageBytes largest image accepted, in bytes
 * @param maxImagesPerJob most images (tasks) in one submission
 * @param maxWaitersPerLock most acquirers queued behind one lock, so a release never scans an unbounded queue
 * @param maxGarbageItemsPerEntry largest {@code maxItems} a {@link Command.CollectGarbage} may ask for
 */
public record CoreLimits(long maxImageBytes, int maxImagesPerJob, int maxWaitersPerLock, int maxGarbageItemsPerEntry) {

    /** Images are read back whole into one array (downloads, verification), so they stay well under 2 GiB. */
    public static final long MAX_IMAGE_BYTES_BOUND = 1024L * 1024 * 1024;

    /** Lease TTLs a worker may be granted or extended by: long enough to survive a GC pause, short enough to notice. */
    public static final long MIN_LEASE_TTL_MS = 1_000;

    public static final long MAX_LEASE_TTL_MS = 3_600_000;
    /** Most tasks one LeaseTasks entry grants: bounds the work of one entry. */
    public static final int MAX_TASKS_PER_LEASE = 1_000;
    /** Most workers one SubmitAndLease grants to: bounds the work of one entry. */
    public static final int MAX_WORKERS_PER_SUBMIT_LEASE = 64;
    /** Most leases one heartbeat or release names: bounds the work of one entry (and one frame). */
    public static final int MAX_LEASES_PER_REQUEST = 1_000;
    /** Commands in one {@link Command.Batch}: bounds the work of one entry. */
    public static final int MAX_COMMANDS_PER_BATCH = 1_000;
    /** Largest retry backoff (base or cap): a task should not vanish for more than a day. */
    public static final long MAX_BACKOFF_MS = 86_400_000;
    /** Largest failover grace a new leader may give every lease. */
    public static final long MAX_LEASE_GRACE_MS = 3_600_000;
    /** Longest progress message. */
    public static final int MAX_PROGRESS_MESSAGE_CHARS = 256;
    /** Longest error a worker may report; longer texts are refused (the worker truncates). */
    public static final int MAX_TASK_ERROR_CHARS = 4_096;
    /**
     * Most backed-off tasks one LeaseTasks entry moves back to the pending queue once their backoff ran out; the rest
     * follow in later entries, so one entry never does unbounded work.
     */
    public static final int MAX_BACKOFF_PROMOTIONS_PER_ENTRY = 1_000;

    public static final long DEFAULT_MAX_IMAGE_BYTES = 50L * 1024 * 1024;
    public static final int DEFAULT_MAX_WAITERS_PER_LOCK = 1000;
    public static final int DEFAULT_MAX_GARBAGE_ITEMS_PER_ENTRY = 1000;

    public CoreLimits {
        require(maxImageBytes >= 1 && maxImageBytes <= MAX_IMAGE_BYTES_BOUND, "maxImageBytes", maxImageBytes);
        require(
                maxImagesPerJob >= 1 && maxImagesPerJob <= Limits.MAX_IMAGES_PER_JOB,
                "maxImagesPerJob",
                maxImagesPerJob);
        require(maxWaitersPerLock >= 1, "maxWaitersPerLock", maxWaitersPerLock);
        require(maxGarbageItemsPerEntry >= 1, "maxGarbageItemsPerEntry", maxGarbageItemsPerEntry);
    }

    public static CoreLimits defaults() {
        return new CoreLimits(
                DEFAULT_MAX_IMAGE_BYTES,
                Limits.MAX_IMAGES_PER_JOB,
                DEFAULT_MAX_WAITERS_PER_LOCK,
                DEFAULT_MAX_GARBAGE_ITEMS_PER_ENTRY);
    }

    public CoreLimits withMaxImageBytes(long bytes) {
        return new CoreLimits(bytes, maxImagesPerJob, maxWaitersPerLock, maxGarbageItemsPerEntry);
    }

    private static void require(boolean ok, String name, long value) {
        if (!ok) {
            throw new IllegalArgumentException(name + " out of range: " + value);
        }
    }
}
