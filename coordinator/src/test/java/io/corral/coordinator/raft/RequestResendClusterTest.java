package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.cluster.LocalCluster;
import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.coordinator.state.Command;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Response;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Raft client request resent after every member restarted (their in-memory retry caches are empty) is answered as
 * the first time and changes nothing: the replicated request log makes each request take effect at most once.
 */
@Tag("cluster")
class RequestResendClusterTest {
    @TempDir
    Path dir;

    @Test
    void aResendAfterRestartsIsAnsweredAsTheFirstTimeAndAppliedOnce() throws Exception {
        ClientId clientId = ClientId.valueOf(UUID.randomUUID());
        long callId = 4242;
        Command acquire = new Command.AcquireLock("resent", "owner-1", 600_000, 0);
        Response first;
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings())) {
            String leader = cluster.awaitLeader();
            first = send(cluster, leader, clientId, callId, acquire);
            assertThat(first).isInstanceOf(Response.LockGranted.class);
            long token = ((Response.LockGranted) first).token();
            // Released, so a second application would grant the lock again, with a new token.
            assertThat(send(cluster, leader, ClientId.randomId(), 1, new Command.ReleaseLock("resent", token)))
                    .isInstanceOf(Response.LockReleased.class);
        }
        try (LocalCluster cluster = LocalCluster.restart(dir.resolve("c"), 3, LocalCluster.testSettings())) {
            String leader = cluster.awaitLeader();
            assertThat(send(cluster, leader, clientId, callId, acquire)).isEqualTo(first);
            // Nothing changed: the lock is still free, so a fresh acquire gets it.
            Response fresh = send(
                    cluster, leader, ClientId.randomId(), 1, new Command.AcquireLock("resent", "owner-2", 600_000, 0));
            assertThat(fresh).isInstanceOfSatisfying(Response.LockGranted.class, g -> assertThat(g.owner())
                    .isEqualTo("owner-2"));
            // Another call id of the same client is another request.
            Response other = send(cluster, leader, clientId, callId + 1, acquire);
            assertThat(other).isInstanceOfSatisfying(Response.ErrorReply.class, e -> assertThat(e.code())
                    .isEqualTo(ErrorCode.LOCK_HELD));
        }
    }

    /** One write with a chosen client id and call id, sent to the leader as it is (no client retries). */
    private static Response send(LocalCluster cluster, String leader, ClientId clientId, long callId, Command command)
            throws Exception {
        CoordinatorConfig config = cluster.config(leader);
        RaftGroup group = RaftGroup.valueOf(RaftNode.groupId(config.clusterName()), RaftNode.peers(config.peers()));
        try (RaftClient client = RaftClient.newBuilder()
                .setRaftGroup(group)
                .setProperties(new RaftProperties())
                .build()) {
            RaftClientRequest request = RaftClientRequest.newBuilder()
                    .setClientId(clientId)
                    .setServerId(RaftPeerId.valueOf(leader))
                    .setGroupId(group.getGroupId())
                    .setCallId(callId)
                    .setMessage(RaftMessages.command(command))
                    .setType(RaftClientRequest.writeRequestType())
                    .build();
            RaftClientReply reply = client.getClientRpc().sendRequest(request);
            assertThat(reply.isSuccess()).as("%s", reply).isTrue();
            return RaftMessages.reply(reply.getMessage().getContent());
        }
    }
}
