package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lock grants through real coordinators: tokens, waiters, expiry and leader changes. */
@Tag("cluster")
class LockClusterTest {
    @TempDir
    Path dir;

    @Test
    void tokensIncreaseStrictlyAcrossHoldersAndLeaderChanges() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings());
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            List<Long> tokens = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 5; i++) {
                    Response.LockGranted g = client.callWithRetry(
                            new Request.AcquireLock("L" + (i % 2), "owner-" + i, 30_000, 0),
                            Response.LockGranted.class,
                            20);
                    tokens.add(g.token());
                    client.callWithRetry(new Request.ReleaseLock(g.name(), g.token()), Response.LockReleased.class, 20);
                }
                String leader = cluster.awaitLeader();
                cluster.stopMember(leader);
                cluster.awaitLeader();
                cluster.startMember(leader);
            }
            assertThat(tokens).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void waiterIsGrantedOnReleaseAndStaleTokensAreRefused() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings());
                CorralClient a = Clients.connect(cluster.rpcAddresses());
                CorralClient b = Clients.connect(cluster.rpcAddresses())) {
            Response.LockGranted first =
                    a.call(new Request.AcquireLock("door", "a", 60_000, 0), Response.LockGranted.class);
            assertThatThrownBy(
                            () -> b.call(new Request.AcquireLock("door", "b", 60_000, 0), Response.LockGranted.class))
                    .extracting(e -> ((CorralException) e).code())
                    .isEqualTo(ErrorCode.LOCK_HELD);
            CompletableFuture<Response> waiting = b.send(new Request.AcquireLock("door", "b", 60_000, 20_000));
            // The waiter is queued once the lock shows it; then the release hands the lock over.
            org.awaitility.Awaitility.await()
                    .until(() -> a.call(new Request.GetLock("door", false), Response.LockDetail.class)
                                    .lock()
                                    .waiters()
                            == 1);
            a.call(new Request.ReleaseLock("door", first.token()), Response.LockReleased.class);
            Response.LockGranted second = (Response.LockGranted) waiting.get(20, TimeUnit.SECONDS);
            assertThat(second.owner()).isEqualTo("b");
            assertThat(second.token()).isGreaterThan(first.token());
            assertThatThrownBy(() -> a.call(new Request.RenewLock("door", first.token()), Response.LockGranted.class))
                    .extracting(e -> ((CorralException) e).code())
                    .isEqualTo(ErrorCode.STALE_TOKEN);
        }
    }

    @Test
    void aLapsedTtlIsExpiredByTheLeaderAndTheNextAcquireGetsAGreaterToken() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings());
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            Response.LockGranted g =
                    client.call(new Request.AcquireLock("ttl", "a", 300, 0), Response.LockGranted.class);
            Response.LockGranted next =
                    (Response.LockGranted) client.send(new Request.AcquireLock("ttl", "b", 10_000, 15_000))
                            .get(20, TimeUnit.SECONDS);
            assertThat(next.token()).isGreaterThan(g.token());
            assertThatThrownBy(
                            () -> client.call(new Request.ReleaseLock("ttl", g.token()), Response.LockReleased.class))
                    .extracting(e -> ((CorralException) e).code())
                    .isEqualTo(ErrorCode.STALE_TOKEN);
        }
    }
}
