package io.corral.jepsen.nemesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.jepsen.cluster.FaultSupport;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NemesesTest {
    @Test
    void theNewGroupsExpandToTheirKinds() {
        assertThat(Nemeses.parse("membership"))
                .extracting(Nemesis::kind)
                .containsExactly("replace-member", "replace-leader");
        assertThat(Nemeses.parse("clock"))
                .extracting(Nemesis::kind)
                .containsExactly("clock-bump", "clock-bump-leader", "clock-strobe", "clock-skew-failover");
        assertThat(Nemeses.parse("disk")).extracting(Nemesis::kind).containsExactly("disk-full", "disk-full-leader");
    }

    @Test
    void onlyTheNemesesThatNeedItGetASpareADiskLimitOrAFakeClock() {
        assertThat(Nemeses.support("partition,crash,pauses,net")).isEqualTo(FaultSupport.NONE);
        assertThat(Nemeses.support("membership")).isEqualTo(new FaultSupport(1, 0, false));
        assertThat(Nemeses.support("clock-bump")).isEqualTo(new FaultSupport(0, 0, true));
        assertThat(Nemeses.support("disk,replace-leader,clock"))
                .isEqualTo(new FaultSupport(
                        1,
                        DiskFull.DATA_DIR_LIMIT_BYTES,
                        true,
                        Map.of("raft.segmentSizeBytes", Long.toString(DiskFull.SEGMENT_BYTES))));
    }

    @Test
    void unknownNamesListTheGroups() {
        assertThatThrownBy(() -> Nemeses.parse("clocks")).hasMessageContaining("membership, clock, disk");
    }

    @Test
    void faultSupportRefusesWhatCannotWork() {
        assertThatThrownBy(() -> new FaultSupport(3, 0, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FaultSupport(0, 1 << 20, false)).isInstanceOf(IllegalArgumentException.class);
    }
}
