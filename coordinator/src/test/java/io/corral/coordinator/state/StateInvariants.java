package io.corral.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.blobs.BlobKeys;
import io.corral.coordinator.state.blobs.BlobRecord;
import io.corral.coordinator.state.blobs.UploadRecord;
import io.corral.coordinator.state.jobs.JobKeys;
import io.corral.coordinator.state.jobs.JobRecord;
import io.corral.coordinator.state.jobs.TaskHistory;
import io.corral.coordinator.state.jobs.TaskLease;
import io.corral.coordinator.state.jobs.TaskRecord;
import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Space;
import io.corral.coordinator.state.locks.LockKeys;
import io.corral.coordinator.state.locks.LockRecord;
import io.corral.coordinator.state.locks.WaiterRecord;
import io.corral.protocol.JobState;
import io.corral.protocol.TaskState;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Recomputes everything the indexes and counters claim from the primary records and compares. Tests run it after
 * every apply, so a handler that forgets one index fails at the step that broke it.
 */
public final class StateInvariants {
    private StateInvariants() {}

    public static void check(KvView view, StateCore core) {
        Map<TaskState, Long> tasks = zeros(TaskState.class);
        Map<JobState, Long> jobs = zeros(JobState.class);
        Map<String, Long> refs = new HashMap<>();
        checkJobs(view, tasks, jobs, refs);
        long[] blobs = checkBlobs(view, refs);
        long[] locks = checkLocks(view);
        Counters counters = core.counters(view);
        assertThat(counters.tasks()).as("task counters").isEqualTo(tasks);
        assertThat(counters.jobs()).as("job counters").isEqualTo(jobs);
        assertThat(counters.blobsStored()).as("blobs stored").isEqualTo(blobs[0]);
        assertThat(counters.blobBytesStored()).as("blob bytes stored").isEqualTo(blobs[1]);
        assertThat(counters.locksHeld()).as("locks held").isEqualTo(locks[0]);
        assertThat(counters.lockWaiters()).as("lock waiters").isEqualTo(locks[1]);
    }

    private static <E extends Enum<E>> Map<E, Long> zeros(Class<E> type) {
        Map<E, Long> map = new EnumMap<>(type);
        for (E e : type.getEnumConstants()) {
            map.put(e, 0L);
        }
        return map;
    }

    private static void checkJobs(
            KvView view, Map<TaskState, Long> tasks, Map<JobState, Long> jobs, Map<String, Long> refs) {
        List<JobRecord> all = values(view, Space.JOBS, JobRecord.class);
        int pending = 0;
        int[] leaseIndexes = new int[3]; // backoff, leased, attempts
        int terminal = 0;
        int keyed = 0;
        int owned = 0;
        for (JobRecord job : all) {
            Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
            List<TaskRecord> own = tasksOf(view, job.seq());
            assertThat(own).as("tasks of %s", job.id()).hasSize(job.tasks());
            for (TaskRecord task : own) {
                counts.merge(task.state(), 1, Integer::sum);
                tasks.merge(task.state(), 1L, Long::sum);
                refs.merge(task.sha256(), 1L, Long::sum);
                if (task.result() != null) {
                    assertThat(task.state())
                            .as("state of %s with a result", task.id())
                            .isEqualTo(TaskState.SUCCEEDED);
                    refs.merge(task.result().sha256(), 1L, Long::sum);
                }
                boolean ready = task.state() == TaskState.PENDING && task.notBeforeMs() == 0;
                byte[] pendingKey = JobKeys.pending(job.priority(), job.seq(), task.index());
                assertThat(view.get(Space.PENDING, pendingKey) != null)
                        .as("PENDING entry of %s (%s)", task.id(), task.state())
                        .isEqualTo(ready);
                pending += ready ? 1 : 0;
                checkLeaseIndexes(view, task, leaseIndexes);
            }
            for (TaskState s : TaskState.values()) {
                assertThat(job.count(s)).as("%s count of %s", s, job.id()).isEqualTo(counts.getOrDefault(s, 0));
            }
            JobState state = job.state();
            jobs.merge(state, 1L, Long::sum);
            assertThat(view.get(Space.JOBS_BY_STATE, JobKeys.byState(state, job.seq())))
                    .isNotNull();
            if (job.owner() != null) {
                owned++;
                assertThat(view.get(Space.JOBS_BY_OWNER, JobKeys.byOwner(job.owner(), state, job.seq())))
                        .as("JOBS_BY_OWNER entry of %s (%s, %s)", job.id(), job.owner(), state)
                        .isEqualTo(Keys.utf8(job.id()));
            }
            if (state.isTerminal()) {
                terminal++;
                assertThat(job.finishedAtMs()).isPositive();
                assertThat(view.get(Space.JOBS_FINISHED, JobKeys.finished(job.finishedAtMs(), job.seq())))
                        .isNotNull();
            } else {
                assertThat(job.finishedAtMs())
                        .as("finishedAtMs of live %s", job.id())
                        .isZero();
            }
            if (job.idempotencyKey() != null) {
                keyed++;
                assertThat(view.get(Space.IDEMPOTENCY, JobKeys.idempotency(job.owner(), job.idempotencyKey())))
                        .isEqualTo(Keys.utf8(job.id()));
            }
        }
        assertThat(count(view, Space.JOBS_BY_STATE)).as("JOBS_BY_STATE size").isEqualTo(all.size());
        assertThat(count(view, Space.JOBS_FINISHED)).as("JOBS_FINISHED size").isEqualTo(terminal);
        assertThat(count(view, Space.JOBS_BY_OWNER)).as("JOBS_BY_OWNER size").isEqualTo(owned);
        assertThat(count(view, Space.IDEMPOTENCY)).as("IDEMPOTENCY size").isEqualTo(keyed);
        assertThat(count(view, Space.PENDING)).as("PENDING size").isEqualTo(pending);
        assertThat(count(view, Space.BACKOFF)).as("BACKOFF size").isEqualTo(leaseIndexes[0]);
        assertThat(count(view, Space.LEASE_EXPIRY)).as("LEASE_EXPIRY size").isEqualTo(leaseIndexes[1]);
        assertThat(count(view, Space.WORKER_LEASES)).as("WORKER_LEASES size").isEqualTo(leaseIndexes[1]);
        assertThat(count(view, Space.TASK_ATTEMPTS))
                .as("attempts without a task")
                .isEqualTo(leaseIndexes[2]);
        assertThat(count(view, Space.TASKS))
                .as("tasks without a job")
                .isEqualTo(tasks.values().stream().mapToLong(Long::longValue).sum());
    }

    /**
     * A PENDING task in backoff is in BACKOFF (not the queue); a LEASED task has a lease, listed in LEASE_EXPIRY and
     * its worker's WORKER_LEASES with its token; no other task has a lease or a backoff; histories stay bounded.
     * Counts {backoff, leased, attempts} into {@code counts}.
     */
    private static void checkLeaseIndexes(KvView view, TaskRecord task, int[] counts) {
        boolean backoff = task.state() == TaskState.PENDING && task.notBeforeMs() > 0;
        assertThat(view.get(Space.BACKOFF, JobKeys.backoff(task.notBeforeMs(), task.jobSeq(), task.index())) != null)
                .as("BACKOFF entry of %s", task)
                .isEqualTo(backoff);
        if (task.state() != TaskState.PENDING) {
            assertThat(task.notBeforeMs()).as("notBeforeMs of %s", task).isZero();
        }
        counts[0] += backoff ? 1 : 0;
        boolean leased = task.state() == TaskState.LEASED;
        assertThat(task.lease() != null).as("lease of %s", task).isEqualTo(leased);
        if (leased) {
            counts[1]++;
            TaskLease lease = task.lease();
            byte[] token = Keys.u64(lease.token());
            assertThat(view.get(
                            Space.LEASE_EXPIRY, JobKeys.leaseExpiry(lease.expiresAtMs(), task.jobSeq(), task.index())))
                    .as("LEASE_EXPIRY entry of %s", task)
                    .isEqualTo(token);
            assertThat(view.get(
                            Space.WORKER_LEASES, JobKeys.workerLease(lease.workerId(), task.jobSeq(), task.index())))
                    .as("WORKER_LEASES entry of %s", task)
                    .isEqualTo(token);
            assertThat(lease.expiresAtMs()).isGreaterThan(lease.grantedAtMs());
        }
        int history = prefixCount(view, Space.TASK_ATTEMPTS, JobKeys.task(task.jobSeq(), task.index()));
        assertThat(history).as("history of %s", task.id()).isLessThanOrEqualTo(TaskHistory.MAX_ATTEMPTS_KEPT);
        counts[2] += history;
    }

    /** Returns {blobs, bytes} of sealed blobs. */
    private static long[] checkBlobs(KvView view, Map<String, Long> refs) {
        long blobs = 0;
        long bytes = 0;
        int unreferenced = 0;
        int chunks = 0;
        for (Map.Entry<String, byte[]> e : entries(view, Space.BLOBS).entrySet()) {
            String sha = e.getKey();
            BlobRecord blob = Codec.decode(e.getValue(), BlobRecord.class);
            blobs++;
            bytes += blob.size();
            assertThat(blob.refCount()).as("references to %s", sha).isEqualTo(refs.getOrDefault(sha, 0L));
            if (blob.refCount() == 0) {
                unreferenced++;
                assertThat(view.get(Space.BLOBS_UNREFERENCED, BlobKeys.timed(blob.unreferencedSinceMs(), sha)))
                        .isNotNull();
            }
            assertThat(prefixCount(view, Space.BLOB_CHUNKS, BlobKeys.chunks(sha)))
                    .isEqualTo(blob.chunks());
            chunks += blob.chunks();
            assertThat(view.get(Space.UPLOADS, BlobKeys.blob(sha)))
                    .as("upload of sealed %s", sha)
                    .isNull();
        }
        for (String sha : refs.keySet()) {
            assertThat(view.get(Space.BLOBS, BlobKeys.blob(sha)))
                    .as("blob %s of a task", sha)
                    .isNotNull();
        }
        for (Map.Entry<String, byte[]> e : entries(view, Space.UPLOADS).entrySet()) {
            UploadRecord upload = Codec.decode(e.getValue(), UploadRecord.class);
            assertThat(view.get(Space.UPLOADS_BY_AGE, BlobKeys.timed(upload.startedAtMs(), e.getKey())))
                    .isNotNull();
            chunks += prefixCount(view, Space.BLOB_CHUNKS, BlobKeys.chunks(e.getKey()));
        }
        assertThat(count(view, Space.UPLOADS_BY_AGE)).isEqualTo(count(view, Space.UPLOADS));
        assertThat(count(view, Space.BLOBS_UNREFERENCED)).isEqualTo(unreferenced);
        assertThat(count(view, Space.BLOB_CHUNKS))
                .as("chunks without blob or upload")
                .isEqualTo(chunks);
        return new long[] {blobs, bytes};
    }

    /** Returns {held, waiters}. */
    private static long[] checkLocks(KvView view) {
        List<LockRecord> locks = values(view, Space.LOCKS, LockRecord.class);
        long waiters = 0;
        for (LockRecord lock : locks) {
            assertThat(view.get(Space.LOCK_EXPIRY, LockKeys.expiry(lock.expiresAtMs(), lock.name())))
                    .isNotNull();
            List<WaiterRecord> queue = new ArrayList<>();
            byte[] prefix = LockKeys.waitersOf(lock.name());
            view.scan(Space.LOCK_WAITERS, prefix, Keys.prefixEnd(prefix), false, (k, v) -> {
                queue.add(Codec.decode(v, WaiterRecord.class));
                return true;
            });
            assertThat(queue).as("waiters of %s", lock.name()).hasSize(lock.waiters());
            for (WaiterRecord w : queue) {
                assertThat(view.get(Space.WAITER_DEADLINES, LockKeys.deadline(w.deadlineMs(), w.name(), w.waiterId())))
                        .isNotNull();
            }
            waiters += queue.size();
        }
        assertThat(count(view, Space.LOCK_EXPIRY)).isEqualTo(locks.size());
        assertThat(count(view, Space.LOCK_WAITERS)).as("waiters of free locks").isEqualTo(waiters);
        assertThat(count(view, Space.WAITER_DEADLINES)).isEqualTo(waiters);
        return new long[] {locks.size(), waiters};
    }

    static List<TaskRecord> tasksOf(KvView view, long seq) {
        List<TaskRecord> out = new ArrayList<>();
        byte[] prefix = JobKeys.tasksOf(seq);
        view.scan(Space.TASKS, prefix, Keys.prefixEnd(prefix), false, (k, v) -> {
            out.add(Codec.decode(v, TaskRecord.class));
            return true;
        });
        return out;
    }

    static <T> List<T> values(KvView view, Space space, Class<T> type) {
        List<T> out = new ArrayList<>();
        view.scan(space, null, null, false, (k, v) -> out.add(Codec.decode(v, type)));
        return out;
    }

    static Map<String, byte[]> entries(KvView view, Space space) {
        Map<String, byte[]> out = new HashMap<>();
        view.scan(space, null, null, false, (k, v) -> {
            out.put(Keys.utf8(k, 0, k.length), v);
            return true;
        });
        return out;
    }

    public static int count(KvView view, Space space) {
        int[] n = {0};
        view.scan(space, null, null, false, (k, v) -> ++n[0] > 0);
        return n[0];
    }

    static int prefixCount(KvView view, Space space, byte[] prefix) {
        int[] n = {0};
        view.scan(space, prefix, Keys.prefixEnd(prefix), false, (k, v) -> ++n[0] > 0);
        return n[0];
    }
}
