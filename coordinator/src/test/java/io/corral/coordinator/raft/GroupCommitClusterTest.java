package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.Coordinator;
import io.corral.coordinator.cluster.LocalCluster;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.blobs.Blobs;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit on real Ratis servers: writes that arrive together on the leader and on a follower share entries, each
 * is answered on its own, every member holds the same jobs, ids stay unique across a restart, and a batch resent
 * after every member restarted is answered as the first time and applied once.
 */
@Tag("cluster")
class GroupCommitClusterTest {
    private static final int WRITES_PER_MEMBER = 300;

    @TempDir
    Path dir;

    private static ImageRef upload(Coordinator leader) {
        byte[] png = CoreHarness.png(64, 5);
        String sha = CoreHarness.sha256(png);
        assertThat(leader.raft()
                        .submit(new Command.PutChunk(sha, png.length, 0, png.length, png))
                        .join())
                .isEqualTo(new Response.ChunkStored(sha, 0));
        assertThat(leader.raft()
                        .submit(new Command.SealBlob(sha, png.length, Blobs.chunkCount(png.length)))
                        .join())
                .isEqualTo(new Response.BlobSealed(sha, png.length));
        return new ImageRef("a.png", sha, png.length);
    }

    private static Command.SubmitJob job(ImageRef image, String key) {
        return new Command.SubmitJob(List.of(image), List.of("thumbnail:8"), 0, 3, Map.of("k", key), null);
    }

    @Test
    void writesThatArriveTogetherShareEntriesAndEachIsAnsweredOnItsOwn() throws Exception {
        Set<String> ids = new HashSet<>();
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings())) {
            Coordinator leader = cluster.leader();
            Coordinator follower = cluster.running().stream()
                    .filter(c -> c != leader)
                    .findFirst()
                    .orElseThrow();
            ImageRef image = upload(leader);
            WriteBatcher.Stats leaderBefore = leader.raft().writeBatches();
            WriteBatcher.Stats followerBefore = follower.raft().writeBatches();

            List<CompletableFuture<Response>> answers = new ArrayList<>();
            for (int i = 0; i < WRITES_PER_MEMBER; i++) {
                answers.add(leader.raft().submit(job(image, "l" + i)));
                answers.add(follower.raft().submit(job(image, "f" + i)));
            }

            for (CompletableFuture<Response> a : answers) {
                Response r = a.get(60, TimeUnit.SECONDS);
                assertThat(r).isInstanceOf(Response.JobSubmitted.class);
                ids.add(((Response.JobSubmitted) r).jobId());
            }
            assertThat(ids).hasSize(2 * WRITES_PER_MEMBER);
            WriteBatcher.Stats leaderAfter = leader.raft().writeBatches();
            WriteBatcher.Stats followerAfter = follower.raft().writeBatches();
            assertThat(leaderAfter.commands() - leaderBefore.commands()).isEqualTo(WRITES_PER_MEMBER);
            assertThat(followerAfter.commands() - followerBefore.commands()).isEqualTo(WRITES_PER_MEMBER);
            // Submitted all at once, they cannot each have had an entry of their own.
            assertThat(leaderAfter.entries() - leaderBefore.entries()).isLessThan(WRITES_PER_MEMBER / 2);
            assertThat(followerAfter.entries() - followerBefore.entries()).isLessThan(WRITES_PER_MEMBER / 2);

            cluster.awaitApplied(leader.stateMachine().getLastAppliedTermIndex().getIndex());
            for (Coordinator member : cluster.running()) {
                assertHoldsJobs(member, ids);
            }
        }
        try (LocalCluster cluster = LocalCluster.restart(dir.resolve("c"), 3, LocalCluster.testSettings())) {
            Coordinator leader = cluster.leader();
            ImageRef image = upload(leader);
            Response next = leader.raft().submit(job(image, "after")).get(60, TimeUnit.SECONDS);
            assertThat(next).isInstanceOf(Response.JobSubmitted.class);
            assertThat(ids).doesNotContain(((Response.JobSubmitted) next).jobId());
            assertHoldsJobs(leader, ids);
        }
    }

    private static void assertHoldsJobs(Coordinator member, Set<String> ids) {
        for (String id : ids) {
            assertThat(member.stateMachine()
                            .core()
                            .query(
                                    new Request.GetJob(id, true),
                                    member.stateMachine().store().view()))
                    .as("%s on %s", id, member.raft().selfId())
                    .isInstanceOf(Response.JobDetail.class);
        }
    }

    /**
     * A batch is one Raft request: resent with the same client and call id after every member restarted (their retry
     * caches are empty), it is answered from the replicated request log with the replies of the first time, and none
     * of its commands applies twice.
     */
    @Test
    void aBatchResentAfterRestartsIsAnsweredAsTheFirstTimeAndAppliedOnce() throws Exception {
        ClientId clientId = ClientId.randomId();
        long callId = 77;
        Command.Batch batch;
        List<Response> first;
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("r"), 3, LocalCluster.testSettings())) {
            Coordinator leader = cluster.leader();
            ImageRef image = upload(leader);
            batch = new Command.Batch(List.of(job(image, "a"), job(image, "b"), new Command.Probe("test")));
            first = send(leader, clientId, callId, batch);
            assertThat(first).hasSize(3);
            assertThat(first.subList(0, 2)).allSatisfy(r -> assertThat(r).isInstanceOf(Response.JobSubmitted.class));
            assertThat(first.get(2)).isEqualTo(new Response.Ack());
        }
        try (LocalCluster cluster = LocalCluster.restart(dir.resolve("r"), 3, LocalCluster.testSettings())) {
            Coordinator leader = cluster.leader();
            assertThat(send(leader, clientId, callId, batch)).isEqualTo(first);
            Response list = leader.stateMachine()
                    .core()
                    .query(
                            new Request.ListJobs(null, 100, true, null),
                            leader.stateMachine().store().view());
            assertThat(list).isInstanceOfSatisfying(Response.JobList.class, l -> assertThat(l.jobs())
                    .hasSize(2));
        }
    }

    /** One write with a chosen client id and call id, submitted to the leader's server as it is (no retries). */
    private static List<Response> send(Coordinator leader, ClientId clientId, long callId, Command.Batch batch)
            throws Exception {
        RaftNode raft = leader.raft();
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(RaftPeerId.valueOf(raft.selfId()))
                .setGroupId(raft.groupId())
                .setCallId(callId)
                .setMessage(RaftMessages.command(batch))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        RaftClientReply reply = raft.server().submitClientRequestAsync(request).get(30, TimeUnit.SECONDS);
        assertThat(reply.isSuccess()).as("%s", reply).isTrue();
        return RaftMessages.replies(reply.getMessage().getContent());
    }
}
