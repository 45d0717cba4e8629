package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which channels a leader replaces: followers silent too long, each at most once per interval, the interval doubling
 * while the follower stays unsteady, back to the start once it has answered steadily for a while.
 */
class SilentPeersTest {
    static final long SILENT_MS = 2_000;

    @Test
    void aFollowerThatAnswersKeepsItsChannel() {
        SilentPeers p = new SilentPeers(SILENT_MS);
        assertThat(p.due(Map.of("n2", 50L, "n3", SILENT_MS), 10_000)).isEmpty();
    }

    @Test
    void aSilentFollowerGetsANewChannelAtMostOncePerInterval() {
        SilentPeers p = new SilentPeers(SILENT_MS);
        assertThat(p.due(Map.of("n2", SILENT_MS + 1, "n3", 10L), 10_000)).containsExactly("n2");
        assertThat(p.due(Map.of("n2", SILENT_MS + 500, "n3", 10L), 10_500)).isEmpty();
        assertThat(p.due(Map.of("n2", 2 * SILENT_MS, "n3", 10L), 10_000 + 2 * SILENT_MS))
                .containsExactly("n2");
    }

    /**
     * A follower catching up after a partition answers a large append only after seconds; replacing its channel every
     * silent interval cancelled that append each time (the fault-injection harness saw the leader do it five times in
     * 10 s while the follower's clients waited). Each replacement that did not make it answer steadily doubles the
     * wait before the next, up to {@link SilentPeers#MAX_INTERVAL_FACTOR} silent intervals.
     */
    @Test
    void whileAFollowerStaysUnsteadyTheWaitBeforeTheNextReplacementDoubles() {
        SilentPeers p = new SilentPeers(SILENT_MS);
        long t = 10_000;
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), t)).containsExactly("n2");
        // It answers once (a refusal that names where to append from), then is busy with the append again.
        assertThat(p.due(Map.of("n2", 10L), t + 500)).isEmpty();
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), t + 2 * SILENT_MS - 1)).isEmpty();
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), t + 2 * SILENT_MS)).containsExactly("n2");
        t += 2 * SILENT_MS;
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), t + 4 * SILENT_MS - 1)).isEmpty();
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), t + 4 * SILENT_MS)).containsExactly("n2");
        t += 4 * SILENT_MS;
        long max = SilentPeers.MAX_INTERVAL_FACTOR * SILENT_MS;
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), t + max - 1)).isEmpty();
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), t + max)).containsExactly("n2");
        t += max;
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), t + max)).as("capped").containsExactly("n2");
    }

    @Test
    void aFollowerThatHasAnsweredSteadilyIsJudgedOnTheShortIntervalAgain() {
        SilentPeers p = new SilentPeers(SILENT_MS);
        long t = 10_000;
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), t)).containsExactly("n2");
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), t + 2 * SILENT_MS)).containsExactly("n2");
        // Steady: every look finds it answered within the silent interval, for the steady time.
        long steadyFrom = t + 2 * SILENT_MS + 100;
        for (long at = steadyFrom; at <= steadyFrom + SilentPeers.STEADY_FACTOR * SILENT_MS; at += 500) {
            assertThat(p.due(Map.of("n2", 100L), at)).isEmpty();
        }
        long later = steadyFrom + SilentPeers.STEADY_FACTOR * SILENT_MS + SILENT_MS;
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), later)).containsExactly("n2");
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), later + SILENT_MS))
                .as("no longer doubled")
                .isEmpty();
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), later + 2 * SILENT_MS)).containsExactly("n2");
    }

    @Test
    void aFollowerThatLeftAndCameBackIsJudgedAfresh() {
        SilentPeers p = new SilentPeers(SILENT_MS);
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), 10_000)).containsExactly("n2");
        assertThat(p.due(Map.of(), 10_100)).isEmpty();
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), 10_200)).containsExactly("n2");
    }
}
