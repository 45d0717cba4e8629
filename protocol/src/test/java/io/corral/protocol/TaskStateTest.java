package io.corral.protocol;

import static io.corral.protocol.TaskState.CANCELLED;
import static io.corral.protocol.TaskState.DEAD;
import static io.corral.protocol.TaskState.FAILED;
import static io.corral.protocol.TaskState.LEASED;
import static io.corral.protocol.TaskState.PENDING;
import static io.corral.protocol.TaskState.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskStateTest {

    /** The whole table, written out once more so a change to TaskState has to be made twice, on purpose. */
    private static final Map<TaskState, Set<TaskState>> LEGAL = Map.of(
            PENDING, EnumSet.of(LEASED, CANCELLED),
            LEASED, EnumSet.of(SUCCEEDED, FAILED, DEAD, PENDING, CANCELLED),
            SUCCEEDED, EnumSet.noneOf(TaskState.class),
            FAILED, EnumSet.of(PENDING),
            DEAD, EnumSet.of(PENDING),
            CANCELLED, EnumSet.noneOf(TaskState.class));

    @Test
    void everyPairFollowsTheTable() {
        for (TaskState from : TaskState.values()) {
            for (TaskState to : TaskState.values()) {
                boolean legal = LEGAL.get(from).contains(to);
                assertThat(from.canBecome(to)).as(from + " -> " + to).isEqualTo(legal);
                if (legal) {
                    assertThat(from.transitionTo(to)).isEqualTo(to);
                } else {
                    assertThatThrownBy(() -> from.transitionTo(to))
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessage("illegal task transition " + from + " -> " + to);
                }
            }
        }
    }

    @Test
    void noStateBecomesItself() {
        for (TaskState state : TaskState.values()) {
            assertThat(state.canBecome(state)).as(state.name()).isFalse();
        }
    }

    @Test
    void terminalStatesAreTheFourEnds() {
        assertThat(EnumSet.allOf(TaskState.class).stream().filter(TaskState::isTerminal))
                .containsExactlyInAnyOrder(SUCCEEDED, FAILED, DEAD, CANCELLED);
    }

    /** Only an operator's retry revives a finished task, and only a failed or dead one. */
    @Test
    void terminalStatesLeadNowhereButBackToPending() {
        for (TaskState state : TaskState.values()) {
            if (state.isTerminal()) {
                assertThat(state.successors()).isSubsetOf(EnumSet.of(PENDING));
            }
        }
    }

    @Test
    void successorsAreACopyCallersCannotCorrupt() {
        PENDING.successors().add(SUCCEEDED);

        assertThat(PENDING.canBecome(SUCCEEDED)).isFalse();
    }
}
