package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which channels a leader replaces: followers silent too long, each at most once per interval. */
class SilentPeersTest {
    static final long SILENT_MS = 4_000;

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
        assertThat(p.due(Map.of("n2", 2 * SILENT_MS, "n3", 10L), 10_000 + SILENT_MS))
                .containsExactly("n2");
    }

    @Test
    void aFollowerThatLeftAndCameBackIsJudgedAfresh() {
        SilentPeers p = new SilentPeers(SILENT_MS);
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), 10_000)).containsExactly("n2");
        assertThat(p.due(Map.of(), 10_100)).isEmpty();
        assertThat(p.due(Map.of("n2", SILENT_MS + 1), 10_200)).containsExactly("n2");
    }
}
