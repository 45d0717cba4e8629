package io.corral.protocol;

/**
 * Hard limits of the protocol, named with their unit last. Servers may configure tighter limits (for example the
 * largest image they accept); these are the bounds no configuration can exceed.
 */
public final class Limits {
    /**
     * Version spoken by this build; peers with another version are refused at the handshake. Decoding is strict (a
     * new field is an unknown field to an old peer), so any change to an encoding bumps it. 2: {@code taskTimeoutMs}
     * in SubmitJob, LeaseGrant and JobView. 3: image bytes as a binary part after the JSON, not base64 in it.
     */
    public static final int PROTOCOL_VERSION = 3;

    /** One chunk of image bytes. The brief fixes it at 1 MiB so one Raft entry's data stays small. */
    public static final int MAX_CHUNK_BYTES = 1024 * 1024;

    /** One frame: a chunk encoded as base64 JSON (4/3 of its size) plus headroom for the envelope. */
    public static final int MAX_FRAME_BYTES = 2 * 1024 * 1024;

    /** A job's detail (every task) must fit in one frame: about 450 bytes a task at most, so 2000 tasks stay under 1 MiB. */
    public static final int MAX_IMAGES_PER_JOB = 2_000;

    public static final int MAX_OPERATIONS_PER_JOB = 32;
    public static final int MAX_LABELS_PER_JOB = 32;
    public static final int MAX_NAME_CHARS = 256;
    public static final int MAX_LABEL_CHARS = 256;
    /** Jobs in one list answer: about 300 bytes each, far under a frame. */
    public static final int MAX_LIST_LIMIT = 1_000;

    public static final int MIN_PRIORITY = -1000;
    public static final int MAX_PRIORITY = 1000;
    public static final int MAX_ATTEMPTS = 100;
    public static final long MIN_LOCK_TTL_MS = 100;
    public static final long MAX_LOCK_TTL_MS = 24L * 3600 * 1000;
    public static final long MAX_LOCK_WAIT_MS = 3600L * 1000;
    /**
     * A job's own bound on one task, when it sets one (0 leaves each worker's default, 5 min unless configured). The
     * bounds match the range of the worker's {@code taskTimeoutMs}.
     */
    public static final long MIN_TASK_TIMEOUT_MS = 1_000;

    public static final long MAX_TASK_TIMEOUT_MS = 24L * 3600 * 1000;

    /**
     * A listener is promoted to a voting member only while its match index is at most this many entries behind the
     * leader's commit index: a voter far behind would make the next failure cost a quorum until it catches up.
     */
    public static final long MAX_PROMOTION_LAG_ENTRIES = 100;

    private Limits() {}
}
