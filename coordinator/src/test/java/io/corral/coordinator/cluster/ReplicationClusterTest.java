package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.client.ImageUpload;
import io.corral.coordinator.Coordinator;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobState;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three real coordinators: writes through any member, reads from every member, images replicated. */
@Tag("cluster")
class ReplicationClusterTest {
    @TempDir
    static Path dir;

    static LocalCluster cluster;
    static CorralClient client;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.start(dir.resolve("cluster"), 3, LocalCluster.testSettings());
        client = Clients.connect(cluster.rpcAddresses());
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void submissionThroughAFollowerIsReplicatedToEveryMember() throws Exception {
        String leader = cluster.awaitLeader();
        String follower = cluster.ids().stream()
                .filter(id -> !id.equals(leader))
                .findFirst()
                .orElseThrow();
        Path img = TestImages.png(dir, "a.png", 1, 64, 48);
        try (CorralClient viaFollower = Clients.connect(cluster.peer(follower).rpc())) {
            ImageRef ref = ImageUpload.upload(viaFollower, img, 50L << 20);
            Response.JobSubmitted submitted = viaFollower.call(
                    new Request.SubmitJob(List.of(ref), List.of("thumbnail:128"), 5, 3, Map.of("k", "v"), null),
                    Response.JobSubmitted.class);
            assertThat(submitted.created()).isTrue();
            long index = cluster.member(leader)
                    .stateMachine()
                    .getLastAppliedTermIndex()
                    .getIndex();
            cluster.awaitApplied(index);
            for (String id : cluster.ids()) {
                try (CorralClient c = Clients.connect(cluster.peer(id).rpc())) {
                    Response.JobDetail d =
                            c.call(new Request.GetJob(submitted.jobId(), true), Response.JobDetail.class);
                    assertThat(d.job().state()).isEqualTo(JobState.PENDING);
                    assertThat(d.job().tasks()).singleElement().satisfies(t -> {
                        assertThat(t.state()).isEqualTo(TaskState.PENDING);
                        assertThat(t.sha256()).isEqualTo(ref.sha256());
                    });
                }
                Coordinator member = cluster.member(id);
                byte[] stored = member.stateMachine()
                        .core()
                        .readBlob(member.stateMachine().store().view(), ref.sha256());
                assertThat(stored).isEqualTo(java.nio.file.Files.readAllBytes(img));
            }
        }
    }

    /**
     * A follower appends what its leader sends, and every member stages each chunk's bytes before its entry counts as
     * written; neither may start a thread per entry. Both did (issue 10: Ratis' composed append and the chunk staging
     * each started one per append or entry, 1,459 in one append of a follower catching up, and that follower then
     * refused every append for good) wherever the JVM's common pool has fewer than two threads: on two cores or fewer,
     * as in CI.
     */
    @Test
    void replicatingChunksStartsNoThreadPerEntry() throws Exception {
        cluster.awaitLeader();
        int images = 100;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            files.add(TestImages.png(dir, "chunks-" + i + ".png", 1000 + i, 8, 8));
        }
        long before = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
        for (Path f : files) {
            ImageUpload.upload(client, f, 50L << 20);
        }
        long started = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount() - before;

        // 100 chunks on 3 members: 300 appends and stagings. A few threads may start for other reasons (gRPC's pools).
        assertThat(started)
                .as("threads started while 3 members replicated %d chunks", images)
                .isLessThan(images / 2);
    }

    @Test
    void linearizableReadOnAFollowerSeesAWriteAcknowledgedByTheLeader() throws Exception {
        Path img = TestImages.png(dir, "b.png", 2, 32, 32);
        ImageRef ref = ImageUpload.upload(client, img, 50L << 20);
        String leader = cluster.awaitLeader();
        for (String id : cluster.ids()) {
            try (CorralClient c = Clients.connect(cluster.peer(id).rpc())) {
                Response.JobSubmitted s = c.call(
                        new Request.SubmitJob(List.of(ref), List.of(), 0, 1, Map.of(), null),
                        Response.JobSubmitted.class);
                for (String reader : cluster.ids()) {
                    try (CorralClient r = Clients.connect(cluster.peer(reader).rpc())) {
                        assertThat(r.call(new Request.GetJob(s.jobId(), false), Response.JobDetail.class)
                                        .job()
                                        .id())
                                .as("linearizable read of %s on %s (leader %s)", s.jobId(), reader, leader)
                                .isEqualTo(s.jobId());
                    }
                }
            }
        }
    }

    @Test
    void badInputIsRefusedWithAClearErrorAndChangesNothing() {
        long jobsBefore = jobCount();
        assertThatThrownBy(() -> client.call(
                        new Request.SubmitJob(
                                List.of(new ImageRef("x.png", "ab".repeat(32), 10)),
                                List.of("resize:0x10"),
                                0,
                                1,
                                Map.of(),
                                null),
                        Response.JobSubmitted.class))
                .isInstanceOf(CorralException.class)
                .hasMessageContaining("resize:0x10")
                .extracting(e -> ((CorralException) e).code())
                .isEqualTo(ErrorCode.BAD_REQUEST);
        assertThatThrownBy(() -> client.call(
                        new Request.SubmitJob(
                                List.of(new ImageRef("x.png", "ab".repeat(32), 10)), List.of(), 0, 1, Map.of(), null),
                        Response.JobSubmitted.class))
                .isInstanceOf(CorralException.class)
                .extracting(e -> ((CorralException) e).code())
                .isEqualTo(ErrorCode.BLOB_MISSING);
        assertThatThrownBy(() -> client.call(new Request.GetJob("job-999999", false), Response.JobDetail.class))
                .extracting(e -> ((CorralException) e).code())
                .isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(jobCount()).isEqualTo(jobsBefore);
    }

    private static long jobCount() {
        Coordinator leader = cluster.leader();
        return leader
                .stateMachine()
                .core()
                .counters(leader.stateMachine().store().view())
                .jobs()
                .values()
                .stream()
                .mapToLong(Long::longValue)
                .sum();
    }
}
