package io.corral.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.Applied;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.Entry;
import io.corral.coordinator.state.LeaseResult;
import io.corral.coordinator.state.StateCore;
import io.corral.coordinator.state.blobs.Blobs;
import io.corral.coordinator.state.requests.AppliedRequests;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state core on a real RocksDB: a lease after many cancelled tasks does not walk their tombstones. Cancelling a
 * job deletes its tasks from the pending queue; before scans began at a space's first live key, every later lease on
 * every member stepped over each of those deletes until a compaction dropped them.
 */
class ConsumedQueueTest {
    @TempDir
    Path dir;

    private long index;
    private final StateCore core = new StateCore(CoreLimits.defaults());

    private Applied apply(RocksStore s, Command c) {
        long at = ++index;
        return s.apply(new AppliedMark(1, at), txn -> core.apply(at, 1, new Entry(1_000_000 + at, c), txn));
    }

    /** Uploads one small PNG; the reference names it {@code a.png}. */
    private ImageRef uploadImage(RocksStore s) {
        byte[] png = CoreHarness.png(64, 1);
        String sha = CoreHarness.sha256(png);
        apply(s, new Command.PutChunk(sha, png.length, 0, png.length, png, null, null));
        apply(s, new Command.SealBlob(sha, png.length, Blobs.chunkCount(png.length)));
        return new ImageRef("a.png", sha, png.length);
    }

    @Test
    void aLeaseAfterFiftyThousandCancelledTasksDoesNotWalkThem() {
        int jobs = 500;
        int imagesPerJob = 100;
        try (RocksStore s = RocksStore.open(dir.resolve("db"))) {
            ImageRef uploaded = uploadImage(s);
            List<ImageRef> images = new ArrayList<>();
            for (int i = 0; i < imagesPerJob; i++) {
                images.add(new ImageRef("i" + i + ".png", uploaded.sha256(), uploaded.size()));
            }
            List<String> ids = new ArrayList<>();
            for (int j = 0; j < jobs; j++) {
                Response r = apply(s, CoreHarness.job(images)).reply();
                ids.add(((Response.JobSubmitted) r).jobId());
            }
            for (String id : ids) {
                apply(s, new Command.CancelJob(id));
            }
            apply(s, CoreHarness.job(List.of(images.get(0))));

            Applied[] lease = new Applied[1];
            long skipped = s.tombstonesSkippedBy(() -> lease[0] = apply(s, new Command.LeaseTasks("w1", 1, 30_000)));

            assertThat(((LeaseResult.Granted) lease[0].result()).grants()).hasSize(1);
            assertThat(skipped)
                    .as("deleted entries RocksDB stepped over in the lease's entry")
                    .isLessThan(100);
        }
    }

    /**
     * A queue whose tasks are leased in the entry that queues them (an idle worker's grant riding in the submission)
     * does not walk the tasks it consumed before: a space left empty used to keep its old bound, so each such entry's
     * seek for the new head stepped over every tombstone since, on every member, until a compaction dropped them (the
     * apply thread's largest cost at 20 jobs a second).
     */
    @Test
    void aQueueThatEmptiesAfterEveryTaskDoesNotWalkWhatItConsumed() {
        int cycles = 5_000;
        try (RocksStore s = RocksStore.open(dir.resolve("db"))) {
            List<ImageRef> image = List.of(uploadImage(s));
            Command submitAndLease = new Command.SubmitAndLease(
                    CoreHarness.job(image), List.of(new Command.LeaseTasks("w1", 1, 30_000)));
            for (int i = 0; i < cycles; i++) {
                apply(s, submitAndLease);
            }

            Applied[] lease = new Applied[1];
            long skipped = s.tombstonesSkippedBy(() -> lease[0] = apply(s, submitAndLease));

            assertThat(((LeaseResult.SubmittedAndGranted) lease[0].result())
                            .byWorker()
                            .get("w1"))
                    .hasSize(1);
            assertThat(skipped)
                    .as("deleted entries RocksDB stepped over in one submission and lease, after %d", cycles)
                    .isLessThan(100);
        }
    }

    /**
     * The request log is a queue too: every entry drops a few expired records from the head of its age index. Without
     * a moving start, each entry's collection stepped over every record dropped before it.
     */
    @Test
    void theRequestLogsCollectionDoesNotWalkTheRecordsItDroppedBefore() {
        int records = 20_000;
        long recordedAtMs = 1_000_000;
        try (RocksStore s = RocksStore.open(dir.resolve("db"))) {
            for (int i = 0; i < records; i += 100) {
                int from = i;
                s.apply(new AppliedMark(1, ++index), txn -> {
                    for (int r = from; r < from + 100; r++) {
                        AppliedRequests.record(txn, "client/" + r, recordedAtMs, new byte[] {1});
                    }
                    return null;
                });
            }
            long later = recordedAtMs + AppliedRequests.RETENTION_MS;
            int dropped = 0;
            while (dropped < records - AppliedRequests.COLLECT_PER_ENTRY) {
                int[] n = new int[1];
                s.apply(new AppliedMark(1, ++index), txn -> {
                    n[0] = AppliedRequests.collect(txn, later, AppliedRequests.COLLECT_PER_ENTRY);
                    return null;
                });
                dropped += n[0];
            }

            long skipped = s.tombstonesSkippedBy(() -> s.apply(new AppliedMark(1, ++index), txn -> {
                assertThat(AppliedRequests.collect(txn, later, AppliedRequests.COLLECT_PER_ENTRY))
                        .isEqualTo(AppliedRequests.COLLECT_PER_ENTRY);
                return null;
            }));

            assertThat(skipped)
                    .as("deleted entries RocksDB stepped over in one entry's collection, after %d dropped", dropped)
                    .isLessThan(100);
        }
    }

    /**
     * While no record is old enough, an entry's collection is answered from the head of the age index alone: no
     * iterator seeks into RocksDB (it did on every entry of every member, 15 % of a follower's apply at one client).
     */
    @Test
    void aCollectionWithNothingDueDoesNotSeek() {
        long recordedAtMs = 1_000_000;
        try (RocksStore s = RocksStore.open(dir.resolve("db"))) {
            s.apply(new AppliedMark(1, ++index), txn -> {
                AppliedRequests.record(txn, "client/1", recordedAtMs, new byte[] {1});
                return null;
            });
            long due = recordedAtMs + AppliedRequests.RETENTION_MS;
            int[] collected = new int[2];

            RocksStore.Work early = s.workOf(() -> s.apply(new AppliedMark(1, ++index), txn -> {
                collected[0] = AppliedRequests.collect(txn, due - 1, AppliedRequests.COLLECT_PER_ENTRY);
                return null;
            }));
            RocksStore.Work onTime = s.workOf(() -> s.apply(new AppliedMark(1, ++index), txn -> {
                collected[1] = AppliedRequests.collect(txn, due, AppliedRequests.COLLECT_PER_ENTRY);
                return null;
            }));

            assertThat(collected).containsExactly(0, 1);
            assertThat(early.memtableSeeks()).isZero();
            assertThat(onTime.memtableSeeks()).isPositive();
            assertThat(s.view().get(io.corral.coordinator.state.kv.Space.REQUESTS, "client/1".getBytes()))
                    .isNull();
        }
    }
}
