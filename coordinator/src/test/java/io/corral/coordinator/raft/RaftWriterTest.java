package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.Command;
import io.corral.protocol.Response;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.junit.jupiter.api.Test;

/**
 * The write path's rules that need no cluster: how a follower's writer treats the stream to the leader. The transport
 * here is a stand-in for Ratis' gRPC client that behaves as the real one did in a fault run; the replication itself is
 * proven by the cluster tests ({@link WritePathRecoveryClusterTest}).
 */
class RaftWriterTest {
    private static final RaftGroupId GROUP = RaftGroupId.randomId();
    private static final RaftPeerId SELF = RaftPeerId.valueOf("n3");
    private static final RaftPeer LEADER =
            RaftPeer.newBuilder().setId("n1").setAddress("127.0.0.1:1").build();

    /**
     * After a partition heals, an attempt that was in flight on the dead stream times out, and the stream is replaced.
     * Closing the old gRPC channel waits for its streams (Ratis: 3 s graceful, then 2 s forceful) and ran on the thread
     * that reported the timeout, one of Ratis' shared timer threads: the write waited those seconds before its next
     * attempt (the fault-injection harness saw a client's first answer 11.8 s after a heal). The replacement must hold
     * up neither that thread nor the write.
     */
    @Test
    void replacingAFailedStreamHoldsUpNeitherTheWriteNorTheThreadThatSawTheFailure() throws Exception {
        CountDownLatch closeMayEnd = new CountDownLatch(1);
        HangingCloseRpc rpc = new HangingCloseRpc(closeMayEnd);
        try (RaftWriter writer = writer(rpc)) {
            long startNanos = System.nanoTime();
            CompletableFuture<Response> answer = writer.submit(RaftMessages.command(new Command.Probe("n3")));

            Response response = answer.get(10, TimeUnit.SECONDS);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);

            assertThat(response).isEqualTo(new Response.Ack());
            assertThat(rpc.sends).hasValue(2);
            assertThat(rpc.resetsStarted).hasValue(1);
            assertThat(closeMayEnd.getCount())
                    .as("the write was answered while the old stream was still closing (%d ms)", tookMs)
                    .isEqualTo(1);
            assertThat(rpc.failureReporterReleased.await(1, TimeUnit.SECONDS))
                    .as("the thread that reported the failure went on without waiting for the close")
                    .isTrue();
        } finally {
            closeMayEnd.countDown();
        }
    }

    private static RaftWriter writer(RaftClientRpc rpc) {
        return new RaftWriter(
                null,
                GROUP,
                SELF,
                new RaftWriter.Leadership() {
                    @Override
                    public boolean selfLeads() {
                        return false;
                    }

                    @Override
                    public RaftPeer knownLeader() {
                        return LEADER;
                    }
                },
                ClientId.randomId(),
                rpc,
                new RaftWriter.Timing(60_000, 3_000, 60_000),
                () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime()),
                new WriteOutcomes(),
                RaftMessages.command(new Command.Probe("n3")),
                false);
    }

    /**
     * The first attempt times out (reported from a timer thread of its own, as Ratis does); closing the stream's channel
     * then hangs until the test lets it end; the next attempt, on a new stream, commits.
     */
    private static final class HangingCloseRpc implements RaftClientRpc {
        final AtomicInteger sends = new AtomicInteger();
        final AtomicInteger resetsStarted = new AtomicInteger();
        final CountDownLatch failureReporterReleased = new CountDownLatch(1);
        private final CountDownLatch closeMayEnd;

        HangingCloseRpc(CountDownLatch closeMayEnd) {
            this.closeMayEnd = closeMayEnd;
        }

        @Override
        public CompletableFuture<RaftClientReply> sendRequestAsyncUnordered(RaftClientRequest request) {
            if (sends.incrementAndGet() == 1) {
                CompletableFuture<RaftClientReply> f = new CompletableFuture<>();
                Thread timer = new Thread(
                        () -> {
                            // As in Ratis, the timeout comes after the writer has registered for the answer.
                            while (f.getNumberOfDependents() == 0) {
                                Thread.onSpinWait();
                            }
                            f.completeExceptionally(new TimeoutIOException("no answer within 3000 ms"));
                            failureReporterReleased.countDown();
                        },
                        "ratis-timer-stand-in");
                timer.setDaemon(true);
                timer.start();
                return f;
            }
            return CompletableFuture.completedFuture(RaftClientReply.newBuilder()
                    .setClientId(request.getClientId())
                    .setServerId(RaftGroupMemberId.valueOf(LEADER.getId(), GROUP))
                    .setCallId(request.getCallId())
                    .setSuccess()
                    .setMessage(RaftMessages.reply(new Response.Ack()))
                    .build());
        }

        @Override
        public RaftClientReply sendRequest(RaftClientRequest request) {
            throw new UnsupportedOperationException("the writer sends asynchronously");
        }

        @Override
        public boolean handleException(RaftPeerId serverId, Throwable t, boolean reconnect) {
            resetsStarted.incrementAndGet();
            try {
                closeMayEnd.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true;
        }

        @Override
        public void addRaftPeers(Collection<RaftPeer> peers) {}

        @Override
        public void close() {}
    }
}
