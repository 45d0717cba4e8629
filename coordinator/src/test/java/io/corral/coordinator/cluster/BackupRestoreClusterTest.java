package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.backup.BackupManifest;
import io.corral.client.BackupDownload;
import io.corral.client.CorralClient;
import io.corral.client.ImageUpload;
import io.corral.coordinator.backup.BackupRefusedException;
import io.corral.coordinator.backup.Export;
import io.corral.coordinator.backup.Restore;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.StateCore;
import io.corral.coordinator.store.RocksStore;
import io.corral.protocol.CheckpointFile;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobState;
import io.corral.protocol.JobSummary;
import io.corral.protocol.JobView;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.Limits;
import io.corral.protocol.LockView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups of a running three-member cluster, restored into fresh directories and started as a NEW cluster (other
 * ports, another cluster name): the same jobs, tasks, locks and image bytes, and a log that continues past the backup.
 * Also: the lost-majority export of a stopped member, a backup taken while writes go on, and the release of a backup's
 * checkpoint when its client disconnects.
 */
@Tag("cluster")
class BackupRestoreClusterTest {
    @TempDir
    Path dir;

    static Map<String, String> settings(String clusterName) {
        Map<String, String> s = LocalCluster.testSettings();
        s.put("clusterName", clusterName);
        return s;
    }

    /** What clients see of the state: every job with its tasks, the lock table, and each image's downloaded bytes. */
    record Observed(List<JobView> jobs, List<LockView> locks, Map<String, String> imageSha256s) {}

    /** The state a populated cluster holds, and the content addresses of its images. */
    record Populated(Set<String> images, String succeededJob, List<String> pendingJobs) {}

    @Test
    void aBackupRestoresIntoANewClusterWithOtherAddressesAndItsLogContinuesPastTheBackup() throws Exception {
        Path file = dir.resolve("backup.tar");
        Observed before;
        Populated data;
        BackupManifest manifest;
        long committedBefore;
        try (LocalCluster old = LocalCluster.start(dir.resolve("old"), 3, settings("corral"));
                CorralClient client = Clients.connect(old.rpcAddresses())) {
            data = populate(old, client);
            before = observe(client, data.images());
            String follower = follower(old);
            committedBefore = old.leader().raft().commitIndex();
            // From a follower: the barrier makes it catch up with the leader's commit index first.
            try (CorralClient atFollower = Clients.connect(old.peer(follower).rpc())) {
                manifest = BackupDownload.toFile(atFollower, file, false).manifest();
            }
            assertThat(manifest.sourceNodeId()).isEqualTo(follower);
            assertThat(manifest.clusterName()).isEqualTo("corral");
            assertThat(manifest.index()).isGreaterThanOrEqualTo(committedBefore);
            assertThat(outgoingCheckpoints(old, follower))
                    .as("released after the download")
                    .isEmpty();
            assertThat(BackupDownload.partialFile(file)).doesNotExist();
            assertThatThrownBy(() -> BackupDownload.toFile(atFollowerOf(old, follower), file, false))
                    .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        }
        assertThat(before.jobs()).hasSize(3);
        assertThat(before.locks()).hasSize(1);

        Path root = dir.resolve("new");
        for (String id : List.of("n1", "n2", "n3")) {
            Restore.run(file, root.resolve(id), "restored");
        }
        // Started under another cluster name than it was restored for, a member refuses (and creates nothing)...
        assertThatThrownBy(() -> LocalCluster.start(root, 3, settings("corral")))
                .hasStackTraceContaining("holds the Raft storage of another cluster name");
        // ... and so does a restored state without its Raft storage, rather than start at term 0 after the backup.
        Path lost = dir.resolve("lost");
        Restore.run(file, lost.resolve("n1"), null);
        io.corral.coordinator.store.StoreFiles.deleteRecursively(
                lost.resolve("n1").resolve("raft"));
        assertThatThrownBy(() -> LocalCluster.start(lost, 3, settings("corral")))
                .hasStackTraceContaining("is at term 0: start a restored data directory");

        try (LocalCluster restored = LocalCluster.start(root, 3, settings("restored"));
                CorralClient client = Clients.connect(restored.rpcAddresses())) {
            assertThat(observe(client, data.images())).isEqualTo(before);
            assertThat(restored.leader().raft().info().getCurrentTerm()).isGreaterThan(manifest.term());

            long token = client.call(
                            new Request.AcquireLock("after-restore", "t", 60_000, 0), Response.LockGranted.class)
                    .token();
            assertThat(token).as("fencing tokens are Raft indexes").isGreaterThan(manifest.index());
            ImageRef fresh = ImageUpload.upload(client, TestImages.png(dir, "fresh.png", 9, 30, 20), 50L << 20);
            String job = FailoverClusterTest.submit(client, fresh, "after-restore");
            assertThat(Long.parseLong(job.substring("job-".length()))).isGreaterThan(manifest.index());
            restored.awaitApplied(token);
            for (String pending : data.pendingJobs()) {
                assertThat(job(client, pending).state()).isEqualTo(JobState.PENDING);
            }
        }
    }

    @Test
    void theSurvivorOfALostMajorityIsExportedWhenStoppedAndANewClusterStartsFromIt() throws Exception {
        Path file = dir.resolve("export.tar");
        Observed before;
        Populated data;
        String survivor;
        try (LocalCluster old = LocalCluster.start(dir.resolve("old"), 3, settings("corral"));
                CorralClient client = Clients.connect(old.rpcAddresses())) {
            data = populate(old, client);
            before = observe(client, data.images());
            old.awaitApplied(old.leader().raft().commitIndex());
            survivor = follower(old);
            for (String id : old.ids()) {
                if (!id.equals(survivor)) {
                    old.stopMember(id);
                }
            }
            Path survivorDir = old.config(survivor).dataDir();
            assertThatThrownBy(() -> Export.run(survivorDir, file, "corral", survivor, false, () -> 0))
                    .isInstanceOf(BackupRefusedException.class)
                    .hasMessageContaining("is running");
            old.stopMember(survivor);
            BackupManifest m = Export.run(survivorDir, file, "corral", survivor, false, System::currentTimeMillis)
                    .manifest();
            assertThat(m.kind()).isEqualTo(BackupManifest.KIND_EXPORT);
        }
        Path root = dir.resolve("new");
        for (String id : List.of("n1", "n2", "n3")) {
            Restore.run(file, root.resolve(id), null);
        }
        try (LocalCluster restored = LocalCluster.start(root, 3, settings("corral"));
                CorralClient client = Clients.connect(restored.rpcAddresses())) {
            assertThat(observe(client, data.images())).isEqualTo(before);
            client.call(new Request.AcquireLock("after-export", "t", 60_000, 0), Response.LockGranted.class);
        }
    }

    @Test
    void aBackupTakenWhileWritesGoOnHoldsEveryWriteAcknowledgedBeforeItAndAPrefixAfter() throws Exception {
        Path file = dir.resolve("busy.tar");
        AtomicInteger acked = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        int ackedBefore;
        BackupManifest manifest;
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings("corral"));
                CorralClient writes = Clients.connect(cluster.rpcAddresses());
                CorralClient backups = Clients.connect(cluster.rpcAddresses())) {
            ImageRef image = ImageUpload.upload(writes, TestImages.png(dir, "in.png", 1, 30, 20), 50L << 20);
            Thread writer = new Thread(() -> {
                // One write at a time: the n-th is sent only once the (n-1)-th is acknowledged.
                for (int i = 0; i < 600 && !stop.get(); i++) {
                    writes.callWithRetry(
                            new Request.SubmitJob(
                                    List.of(image), List.of("format:webp"), 0, 3, Map.of("seq", "" + i), "seq-" + i),
                            Response.JobSubmitted.class,
                            20);
                    acked.incrementAndGet();
                }
            });
            writer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> acked.get() >= 20);
            ackedBefore = acked.get();
            manifest = BackupDownload.toFile(backups, file, false).manifest();
            int ackedAtEnd = acked.get();
            await().atMost(Duration.ofSeconds(60)).until(() -> acked.get() >= ackedAtEnd + 10);
            stop.set(true);
            writer.join();

            checkpointIsPinnedToItsConnection(cluster);
        }
        Path restored = dir.resolve("restored");
        Restore.run(file, restored, null);
        List<Integer> seqs = new ArrayList<>();
        try (RocksStore store = RocksStore.open(restored.resolve("state"))) {
            assertThat(store.applied().index()).isEqualTo(manifest.index());
            Response.JobList list = (Response.JobList) new StateCore(CoreLimits.defaults(), Set.of())
                    .query(new Request.ListJobs(null, Limits.MAX_LIST_LIMIT, false), store.view());
            for (JobSummary j : list.jobs()) {
                seqs.add(Integer.parseInt(j.labels().get("seq")));
            }
        }
        seqs.sort(null);
        assertThat(seqs.size()).as("every write acknowledged before the backup").isGreaterThanOrEqualTo(ackedBefore);
        for (int i = 0; i < seqs.size(); i++) {
            assertThat(seqs.get(i)).as("the writes in the backup are a prefix").isEqualTo(i);
        }
    }

    /**
     * A backup's checkpoint answers only the connection that opened it, survives a snapshot of its member while it is
     * read, and is deleted when that connection closes without closing it.
     */
    private void checkpointIsPinnedToItsConnection(LocalCluster cluster) throws Exception {
        String member = cluster.awaitLeader();
        try (CorralClient other = Clients.connect(cluster.peer(member).rpc())) {
            Response.BackupOpened opened;
            try (CorralClient owner = Clients.connect(cluster.peer(member).rpc())) {
                opened = owner.call(new Request.OpenBackup(), Response.BackupOpened.class);
                CheckpointFile first = opened.files().get(0);
                Request.ReadCheckpoint read = new Request.ReadCheckpoint(opened.checkpointId(), first.name(), 0, 16);
                assertThat(owner.call(read, Response.CheckpointData.class).data())
                        .isNotEmpty();
                assertThat(other.send(read).join())
                        .isInstanceOfSatisfying(Response.ErrorReply.class, e -> assertThat(e.code())
                                .isEqualTo(ErrorCode.NOT_FOUND));
                cluster.member(member).raft().takeSnapshot();
                for (CheckpointFile f : opened.files()) {
                    long last = Math.max(0, f.size() - 1);
                    Request.ReadCheckpoint tail = new Request.ReadCheckpoint(opened.checkpointId(), f.name(), last, 1);
                    assertThat(owner.call(tail, Response.CheckpointData.class).offset())
                            .isEqualTo(last);
                }
                assertThat(outgoingCheckpoints(cluster, member)).contains(opened.checkpointId());
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !outgoingCheckpoints(cluster, member).contains(opened.checkpointId()));
        }
    }

    private static CorralClient atFollowerOf(LocalCluster cluster, String follower) {
        return Clients.connect(cluster.peer(follower).rpc());
    }

    private static String follower(LocalCluster cluster) {
        String leader = cluster.awaitLeader();
        return cluster.ids().stream()
                .filter(id -> !id.equals(leader))
                .findFirst()
                .orElseThrow();
    }

    private static List<String> outgoingCheckpoints(LocalCluster cluster, String id) throws Exception {
        Path root = cluster.config(id).dataDir().resolve("outgoing-checkpoints");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    /**
     * A job whose two tasks a worker completed with results, two pending jobs (one of them on a two-chunk image), a
     * held lock and a released one.
     */
    private Populated populate(LocalCluster cluster, CorralClient client) throws Exception {
        ImageRef big = ImageUpload.upload(client, TestImages.noisyPng(dir, "big.png", 2, 700, 700), 50L << 20);
        ImageRef small = ImageUpload.upload(client, TestImages.png(dir, "small.png", 3, 40, 30), 50L << 20);
        Set<String> images = new TreeSet<>(List.of(big.sha256(), small.sha256()));
        String done;
        try (TestWorker worker = new TestWorker("w1", cluster.rpcAddresses()).register(2)) {
            done = client.callWithRetry(
                            new Request.SubmitJob(
                                    List.of(big, small), List.of("format:webp"), 5, 3, Map.of("kind", "done"), "done"),
                            Response.JobSubmitted.class,
                            20)
                    .jobId();
            for (int i = 0; i < 2; i++) {
                LeaseGrant g = worker.nextOffer(20);
                Path result = TestImages.png(dir, "result-" + i + ".png", 10 + i, 20, 15);
                assertThat(worker.complete(g, result))
                        .isEqualTo(new Response.TaskUpdated(g.taskId(), TaskState.SUCCEEDED));
            }
        }
        // No worker may take the pending jobs' tasks.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> client.call(new Request.ListWorkers(), Response.WorkerList.class)
                        .workers()
                        .isEmpty());
        List<String> pending = List.of(
                FailoverClusterTest.submit(client, small, "pending-small"),
                FailoverClusterTest.submit(client, big, "pending-big"));
        client.call(new Request.AcquireLock("held", "owner-1", 600_000, 0), Response.LockGranted.class);
        long released = client.call(
                        new Request.AcquireLock("released", "owner-2", 600_000, 0), Response.LockGranted.class)
                .token();
        client.call(new Request.ReleaseLock("released", released), Response.LockReleased.class);
        JobView doneJob = job(client, done);
        assertThat(doneJob.state()).isEqualTo(JobState.SUCCEEDED);
        doneJob.tasks().forEach(t -> images.add(t.result().sha256()));
        return new Populated(images, done, pending);
    }

    private static JobView job(CorralClient client, String id) {
        return client.call(new Request.GetJob(id, false), Response.JobDetail.class)
                .job();
    }

    private static Observed observe(CorralClient client, Set<String> images) throws Exception {
        List<JobView> jobs = new ArrayList<>();
        for (JobSummary s : client.call(
                        new Request.ListJobs(null, Limits.MAX_LIST_LIMIT, false), Response.JobList.class)
                .jobs()) {
            jobs.add(job(client, s.id()));
        }
        List<LockView> locks = client.call(new Request.ListLocks(false), Response.LockList.class)
                .locks();
        Map<String, String> shas = new TreeMap<>();
        for (String sha : images) {
            shas.put(sha, sha256(download(client, sha)));
        }
        return new Observed(jobs, locks, shas);
    }

    private static byte[] download(CorralClient client, String sha256) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int chunks = 1;
        for (int i = 0; i < chunks; i++) {
            Response.BlobChunk c = client.call(new Request.ReadBlobChunk(sha256, i), Response.BlobChunk.class);
            chunks = c.chunks();
            out.writeBytes(c.data());
        }
        return out.toByteArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
