package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.LongPredicate;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.rpc.RpcType;
import org.junit.jupiter.api.Test;

/**
 * When the leader brings a follower up to date by snapshot rather than appendEntries (RATIS-2500 carried), and when it
 * sends a new commit index on its own.
 */
class CorralGrpcTest {
    static final LongPredicate KNOWN = next -> true;
    static final LongPredicate UNKNOWN = next -> false;

    @Test
    void aCaughtUpFollowerBehindTheCommitIndexIsSentIt() {
        // leader commit 100, follower reported 99, nothing pushed, every entry sent and answered
        assertThat(CorralGrpc.pushesCommit(100, 99, -1, 101, 101, false)).isTrue();
        assertThat(CorralGrpc.pushesCommit(100, 99, 99, 101, 101, false)).isTrue();
    }

    @Test
    void noCommitIndexIsPushedTwiceNorToAFollowerThatHasIt() {
        assertThat(CorralGrpc.pushesCommit(100, 99, 100, 101, 101, false)).isFalse();
        assertThat(CorralGrpc.pushesCommit(100, 100, -1, 101, 101, false)).isFalse();
    }

    @Test
    void entriesToSendOrInFlightCarryTheCommitIndexThemselves() {
        // entries not yet sent: the next append carries it
        assertThat(CorralGrpc.pushesCommit(100, 99, -1, 100, 101, false)).isFalse();
        // an append awaits its reply: the reply wakes the appender again
        assertThat(CorralGrpc.pushesCommit(100, 99, -1, 101, 101, true)).isFalse();
    }

    @Test
    void aCaughtUpFollowerNeedsNothing() {
        assertThat(CorralGrpc.needsSnapshot(100, 50, 100, 10, UNKNOWN)).isFalse();
        assertThat(CorralGrpc.needsSnapshot(100, 50, 120, 10, UNKNOWN)).isFalse();
    }

    @Test
    void aFollowerBehindTheLeadersLogStartNeedsASnapshot() {
        assertThat(CorralGrpc.needsSnapshot(100, 50, 49, 48, KNOWN)).isTrue();
        assertThat(CorralGrpc.needsSnapshot(100, 50, 10, 9, KNOWN)).isTrue();
    }

    @Test
    void aLeaderWithoutALogStartSendsASnapshot() {
        assertThat(CorralGrpc.needsSnapshot(100, -1, 60, 59, KNOWN)).isTrue();
    }

    @Test
    void aFollowerInsideTheLeadersLogGetsEntries() {
        assertThat(CorralGrpc.needsSnapshot(100, 50, 51, 10, UNKNOWN)).isFalse();
        assertThat(CorralGrpc.needsSnapshot(100, 50, 99, -1, UNKNOWN)).isFalse();
    }

    @Test
    void atTheLogStartTheLeaderNeedsThePreviousTermUnlessTheFollowersSnapshotCoversIt() {
        // The leader's own snapshot names the previous entry: append.
        assertThat(CorralGrpc.needsSnapshot(100, 50, 50, 10, KNOWN)).isFalse();
        // It cannot, and the follower's snapshot is older: the follower must install one.
        assertThat(CorralGrpc.needsSnapshot(100, 50, 50, 10, UNKNOWN)).isTrue();
        // RATIS-2500: it cannot, but the follower's snapshot ends just before: append without a previous entry.
        // Ratis 3.3.0 answered true here, and the follower answered ALREADY_INSTALLED, forever.
        assertThat(CorralGrpc.needsSnapshot(100, 50, 50, 49, UNKNOWN)).isFalse();
    }

    @Test
    void theFirstIndexHasNoPreviousToAskFor() {
        assertThat(CorralGrpc.needsSnapshot(100, 0, 0, -1, UNKNOWN)).isFalse();
    }

    @Test
    void aNotifiedInstallIsCarriedToItsEndWhateverNextIndexTheFollowerReports() {
        // The harness's case: the leader's log starts at 4329; the restarted ex-leader (state at 4327, its own log to
        // 4329 of an older term) was notified, downloads, and meanwhile refuses appends reporting next index 4330.
        // By next index alone the leader would append from 4330 (it has 4329) and never notify again.
        assertThat(CorralGrpc.needsSnapshot(11_200, 4329, 4330, 0, KNOWN)).isFalse();
        assertThat(CorralGrpc.installStillUnderWay(4329, 0, 0)).isTrue();
        // Until the follower reports the installed snapshot (SNAPSHOT_INSTALLED or ALREADY_INSTALLED) ...
        assertThat(CorralGrpc.installStillUnderWay(4329, 11_168, 0)).isFalse();
        assertThat(CorralGrpc.installStillUnderWay(4329, 4328, 0)).isFalse();
        // ... or acknowledges an append from the leader's log.
        assertThat(CorralGrpc.installStillUnderWay(4329, 0, 4329)).isFalse();
        // An install that ended before the leader purged further is not enough.
        assertThat(CorralGrpc.installStillUnderWay(9000, 4400, 4400)).isTrue();
    }

    @Test
    void aLeaderWithAnEmptyLogLeavesItToTheNextIndex() {
        assertThat(CorralGrpc.installStillUnderWay(-1, 0, 0)).isFalse();
    }

    @Test
    void ratisRecreatesTheTypeFromItsName() {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, new CorralGrpc());
        RpcType type = RaftConfigKeys.Rpc.type(p, s -> {});
        assertThat(type).isInstanceOf(CorralGrpc.class);
        assertThat(type.newFactory(new Parameters())).isInstanceOf(CorralGrpc.Factory.class);
    }
}
