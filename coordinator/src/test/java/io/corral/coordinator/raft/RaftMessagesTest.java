package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.auth.Role;
import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Command;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobState;
import io.corral.protocol.JobView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.List;
import java.util.Map;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** What travels through Ratis decodes as it was sent: queries with their caller, and every answer. */
class RaftMessagesTest {
    private static JobView job(String owner) {
        return new JobView(
                "job-1", JobState.PENDING, 0, 3, 0, List.of(), Map.of(), null, 1, 0, false, Map.of(), List.of(), owner);
    }

    /**
     * A job without an owner is sent without the field (docs/protocol.md); Ratis' answers must decode it all the same.
     * They did not, and the read that carried one waited for ever (SnapshotInstallClusterTest, RestartClusterTest).
     */
    @Test
    void anAnswerWithAJobWithoutAnOwnerDecodes() {
        for (String owner : java.util.Arrays.asList(null, "alice")) {
            Response detail = new Response.JobDetail(job(owner));

            assertThat(RaftMessages.reply(RaftMessages.reply(detail).getContent()))
                    .isEqualTo(detail);
        }
    }

    /**
     * The batcher assembles a batch's request from the JSON it measured each command by; it must be the very request
     * the command's own encoding gives, so the leader reads the same Batch either way.
     */
    @Test
    void aBatchAssembledFromItsCommandsJsonIsTheBatchsOwnEncoding() {
        List<Command> commands = List.of(
                new Command.SubmitJob(
                        List.of(new ImageRef("a.png", "b".repeat(64), 10)),
                        List.of("thumbnail:8"),
                        0,
                        3,
                        0,
                        Map.of("k", "v \"quoted\" ü"),
                        "key-1",
                        "alice"),
                new Command.CompleteTask("w-1", "job-7.0", 7, "c".repeat(64), 12, "render"),
                new Command.Probe("n1"));

        Message assembled = RaftMessages.batchOfJsons(
                commands.stream().map(RaftMessages::commandJson).toList());

        assertThat(assembled.getContent())
                .isEqualTo(RaftMessages.command(new Command.Batch(commands)).getContent());
        assertThat(RaftMessages.split(assembled.getContent()).command()).isEqualTo(new Command.Batch(commands));
        Command one = commands.get(1);
        assertThat(RaftMessages.commandOfJson(RaftMessages.commandJson(one)).getContent())
                .isEqualTo(RaftMessages.command(one).getContent());
    }

    /** A batch's answer is its commands' replies in order, whatever their types. */
    @Test
    void aBatchsRepliesDecodeInOrder() {
        List<Response> replies = List.of(
                new Response.JobSubmitted("job-7", true),
                new Response.ErrorReply(ErrorCode.STALE_LEASE, "lease 7 of job-7.0 is not current"),
                new Response.Ack());

        byte[] bytes = RaftMessages.repliesBytes(replies);

        assertThat(RaftMessages.replies(ByteString.copyFrom(bytes))).isEqualTo(replies);
    }

    @Test
    void aQueryCarriesItsCaller() {
        Caller worker = new Caller("render", Role.WORKER).asWorker("render.1");
        Request read = new Request.ReadBlobChunk("a".repeat(64), 0);

        RaftMessages.Query q =
                RaftMessages.query(RaftMessages.query(read, worker).getContent());

        assertThat(q).isEqualTo(new RaftMessages.Query(read, worker));
    }

    /** An answer that does not decode is an error reply, never an exception that leaves its caller waiting. */
    @Test
    void anAnswerThatDoesNotDecodeIsAnErrorReply() {
        RaftClientReply reply = RaftClientReply.newBuilder()
                .setClientId(ClientId.randomId())
                .setServerId(RaftPeerId.valueOf("n1"))
                .setGroupId(RaftGroupId.randomId())
                .setCallId(1)
                .setSuccess(true)
                .setMessage(Message.valueOf(ByteString.copyFromUtf8("{\"type\":\"NoSuchAnswer\"}")))
                .build();

        Response answer = RaftNode.toResponse(reply, null);

        assertThat(answer).isInstanceOf(Response.ErrorReply.class);
        assertThat(((Response.ErrorReply) answer).code()).isEqualTo(ErrorCode.INTERNAL);
    }
}
