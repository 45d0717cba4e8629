package io.corral.coordinator.state.kv;

/**
 * The key spaces of the replicated state. The RocksDB adapter maps each to a column family of the same name; the
 * in-memory fake maps each to a sorted map. Keys are compared as unsigned bytes, so big-endian numbers sort in
 * numeric order.
 */
public enum Space {
    /** Bookkeeping: last applied term/index, counters. */
    META,
    /** job id -> job record. Job ids embed the Raft index of the submission, so key order is submission order. */
    JOBS,
    /** task id -> task record. */
    TASKS,
    /** (job state, job seq) -> job id: lists jobs by state without a scan of every job. */
    JOBS_BY_STATE,
    /** (inverted priority, seq, task index) -> task id: the pending queue, highest priority then oldest first. */
    PENDING,
    /** idempotency key -> job id. */
    IDEMPOTENCY,
    /** (finished at ms, job seq) -> job id: terminal jobs in the order they become collectable. */
    JOBS_FINISHED,
    /** lock name -> lock record (the holder). */
    LOCKS,
    /** (lock name, waiter seq) -> waiter record: FIFO queue of acquirers per lock. */
    LOCK_WAITERS,
    /** (expires at ms, lock name) -> empty: locks in the order their TTL lapses. */
    LOCK_EXPIRY,
    /** (deadline ms, lock name, waiter seq) -> empty: waiters in the order they give up. */
    WAITER_DEADLINES,
    /** sha256 -> blob record (size, chunk count, reference count, sealed). */
    BLOBS,
    /** (sha256, chunk index) -> bytes. */
    BLOB_CHUNKS,
    /** (unreferenced since ms, sha256) -> empty: blobs no job refers to, oldest first. */
    BLOBS_UNREFERENCED,
    /** sha256 -> upload record for uploads not sealed yet. */
    UPLOADS,
    /** (started at ms, sha256) -> empty: unsealed uploads, oldest first, so abandoned ones can be collected. */
    UPLOADS_BY_AGE,
    /** (not before ms, seq, task index) -> task id: PENDING tasks waiting out a retry backoff, soonest first. */
    BACKOFF,
    /** (expires at ms, seq, task index) -> token: LEASED tasks in the order their leases lapse. */
    LEASE_EXPIRY,
    /** (worker id, seq, task index) -> token: the leases each worker holds. */
    WORKER_LEASES,
    /** (seq, task index, token) -> attempt record: the last attempts of each task. */
    TASK_ATTEMPTS,
    /** request id -> (applied at ms, answer): recently applied client requests, so a resend is applied once. */
    REQUESTS,
    /** (applied at ms, request id) -> empty: those records oldest first, to drop them after their retention. */
    REQUESTS_BY_AGE,
    /** (owner, job state, job seq) -> job id: one tenant's jobs by state, for a tenant that may list only its own. */
    JOBS_BY_OWNER,
    /** (sha256, tenant) -> empty: the tenants that may use a stored image (uploaded it, or their job produced it). */
    BLOB_GRANTS,
    /** (sha256, tenant) -> proof record: a tenant uploading an image the cluster already holds, chunk by chunk. */
    BLOB_PROOFS;
}
