package io.corral.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.blobs.BlobKeys;
import io.corral.coordinator.state.blobs.BlobRecord;
import io.corral.coordinator.state.blobs.UploadRecord;
import io.corral.coordinator.state.jobs.JobKeys;
import io.corral.coordinator.state.jobs.JobRecord;
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
        int terminal = 0;
        int keyed = 0;
        for (JobRecord job : all) {
            Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
            List<TaskRecord> own = tasksOf(view, job.seq());
            assertThat(own).as("tasks of %s", job.id()).hasSize(job.tasks());
            for (TaskRecord task : own) {
                counts.merge(task.state(), 1, Integer::sum);
                tasks.merge(task.state(), 1L, Long::sum);
                refs.merge(task.sha256(), 1L, Long::sum);
                byte[] pendingKey = JobKeys.pending(job.priority(), job.seq(), task.index());
                assertThat(view.get(Space.PENDING, pendingKey) != null)
                        .as("PENDING entry of %s (%s)", task.id(), task.state())
                        .isEqualTo(task.state() == TaskState.PENDING);
                pending += task.state() == TaskState.PENDING ? 1 : 0;
            }
            for (TaskState s : TaskState.values()) {
                assertThat(job.count(s)).as("%s count of %s", s, job.id()).isEqualTo(counts.getOrDefault(s, 0));
            }
            JobState state = job.state();
            jobs.merge(state, 1L, Long::sum);
            assertThat(view.get(Space.JOBS_BY_STATE, JobKeys.byState(state, job.seq())))
                    .isNotNull();
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
                assertThat(view.get(Space.IDEMPOTENCY, JobKeys.idempotency(job.idempotencyKey())))
                        .isEqualTo(Keys.utf8(job.id()));
            }
        }
        assertThat(count(view, Space.JOBS_BY_STATE)).as("JOBS_BY_STATE size").isEqualTo(all.size());
        assertThat(count(view, Space.JOBS_FINISHED)).as("JOBS_FINISHED size").isEqualTo(terminal);
        assertThat(count(view, Space.IDEMPOTENCY)).as("IDEMPOTENCY size").isEqualTo(keyed);
        assertThat(count(view, Space.PENDING)).as("PENDING size").isEqualTo(pending);
        assertThat(count(view, Space.TASKS))
                .as("tasks without a job")
                .isEqualTo(tasks.values().stream().mapToLong(Long::longValue).sum());
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
