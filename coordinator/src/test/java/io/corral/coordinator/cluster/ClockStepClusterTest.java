package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.LockView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hosts' wall clocks step (NTP, an operator's {@code date -s}) while the cluster runs: a lock's hold must last its
 * TTL in real time all the same (promise 6, "time never breaks safety"). The harness's {@code clock-bump-leader} fault
 * found a leader that granted a held lock 100 ms after the grant, once its clock stepped forward.
 */
@Tag("cluster")
class ClockStepClusterTest {
    /** Long enough that the hold cannot lapse in real time while the test runs. */
    static final long TTL_MS = 30_000;

    @TempDir
    Path dir;

    @Test
    void aWallClockSteppingForwardDoesNotEndALiveHold() throws Exception {
        AtomicLong stepMs = new AtomicLong();
        try (LocalCluster cluster = LocalCluster.start(
                        dir.resolve("c"),
                        3,
                        LocalCluster.testSettings(),
                        () -> System.currentTimeMillis() + stepMs.get());
                CorralClient a = Clients.connect(cluster.rpcAddresses());
                CorralClient b = Clients.connect(cluster.rpcAddresses())) {
            Response.LockGranted held =
                    a.call(new Request.AcquireLock("door", "a", TTL_MS, 0), Response.LockGranted.class);

            stepMs.set(10 * TTL_MS); // every member's wall clock jumps five minutes ahead
            // For longer than the leader's lock-expiry grace after a step, when an expiry would have happened.
            long graceMs = Long.parseLong(LocalCluster.testSettings().get("housekeeping.lockExpiryGraceMs"));
            await().during(Duration.ofMillis(2 * graceMs))
                    .atMost(Duration.ofMillis(10 * graceMs))
                    .until(() -> heldBy(a, "door", "a"));

            assertThatThrownBy(
                            () -> b.call(new Request.AcquireLock("door", "b", TTL_MS, 0), Response.LockGranted.class))
                    .as("the hold is live in real time: another acquire must be refused")
                    .isInstanceOfSatisfying(
                            CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOCK_HELD));
            Response.LockGranted renewed =
                    a.call(new Request.RenewLock("door", held.token()), Response.LockGranted.class);
            assertThat(renewed.token()).isEqualTo(held.token());
        }
    }

    /**
     * Skew between members: a new leader whose host clock is ahead of the old leader's. The hold was stamped with the
     * old leader's time; the new one's is a minute later, so by its clock the hold lapsed long ago.
     */
    @Test
    void aNewLeaderWhoseClockIsAheadDoesNotEndALiveHold() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(
                        dir.resolve("c"),
                        3,
                        LocalCluster.testSettings(),
                        id -> id.equals("n2") ? () -> System.currentTimeMillis() + 60_000 : System::currentTimeMillis);
                CorralClient a = Clients.connect(cluster.rpcAddresses());
                CorralClient b = Clients.connect(cluster.rpcAddresses())) {
            if (cluster.awaitLeader().equals("n2")) {
                a.call(new Request.TransferLeader("n1"), Response.LeaderTransferred.class);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> cluster.awaitLeader().equals("n1"));
            }
            Response.LockGranted held =
                    a.call(new Request.AcquireLock("door", "a", TTL_MS, 0), Response.LockGranted.class);
            a.call(new Request.TransferLeader("n2"), Response.LeaderTransferred.class);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> cluster.awaitLeader().equals("n2"));

            assertThatThrownBy(
                            () -> b.call(new Request.AcquireLock("door", "b", TTL_MS, 0), Response.LockGranted.class))
                    .as("the hold is live in real time: another acquire must be refused")
                    .isInstanceOfSatisfying(
                            CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOCK_HELD));
            assertThat(a.call(new Request.RenewLock("door", held.token()), Response.LockGranted.class)
                            .token())
                    .isEqualTo(held.token());
        }
    }

    static boolean heldBy(CorralClient c, String lock, String owner) {
        LockView v = c.call(new Request.GetLock(lock, false), Response.LockDetail.class)
                .lock();
        return v != null && owner.equals(v.owner());
    }
}
