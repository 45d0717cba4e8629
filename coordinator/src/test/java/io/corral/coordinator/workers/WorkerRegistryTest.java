package io.corral.coordinator.workers;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.rpc.TestSession;
import io.corral.protocol.transport.Session;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The registry's reconciliation of what a worker lists, what the state says it holds and what this node believes. */
class WorkerRegistryTest {
    static final long GAP = 500;

    final WorkerRegistry registry = new WorkerRegistry();
    final Session session = TestSession.numbered(1);

    WorkerRegistry.HeartbeatPlan beat(List<String> listed, Set<String> inState, int free, long nowMs) {
        return registry.heartbeat("w1", listed, inState, free, nowMs, GAP, GAP);
    }

    @Test
    void aLeaseTheWorkerListsIsExtendedAtMostOncePerGap() {
        registry.register("w1", session, 2, List.of(), List.of(), 0);
        assertThat(beat(List.of("t1"), Set.of("t1"), 1, 1_000))
                .isEqualTo(new WorkerRegistry.HeartbeatPlan(true, List.of()));
        assertThat(beat(List.of("t1"), Set.of("t1"), 1, 1_200).extend()).isFalse();
        assertThat(beat(List.of("t1"), Set.of("t1"), 1, 1_500).extend()).isTrue();
        assertThat(beat(List.of(), Set.of(), 2, 3_000).extend()).isFalse();
    }

    @Test
    void aLeaseInTheStateTheWorkerNeverListsIsOfferedAgainAfterTheGapAndExtended() {
        registry.register("w1", session, 2, List.of(), List.of(), 0);
        // First heartbeat without it: the offer may still be in flight.
        assertThat(beat(List.of(), Set.of("t1"), 2, 1_000).reoffer()).isEmpty();
        assertThat(beat(List.of(), Set.of("t1"), 2, 1_499).reoffer()).isEmpty();
        WorkerRegistry.HeartbeatPlan plan = beat(List.of(), Set.of("t1"), 2, 1_500);
        assertThat(plan.reoffer()).containsExactly("t1");
        assertThat(plan.extend()).isTrue();
        // The slot stays counted as taken meanwhile.
        assertThat(registry.freeSlots()).isEqualTo(1);
        // Not again before another gap.
        assertThat(beat(List.of(), Set.of("t1"), 2, 1_600).reoffer()).isEmpty();
        // Once the worker lists it, nothing more is offered.
        assertThat(beat(List.of("t1"), Set.of("t1"), 1, 2_100).reoffer()).isEmpty();
        assertThat(beat(List.of("t1"), Set.of("t1"), 1, 5_000).reoffer()).isEmpty();
    }

    @Test
    void aLostOfferIsOfferedAgainAtMostMaxReoffersTimes() {
        registry.register("w1", session, 2, List.of(), List.of(), 0);
        int offered = 0;
        for (long now = 1_000; now < 20_000; now += GAP) {
            offered += beat(List.of(), Set.of("t1"), 2, now).reoffer().size();
        }
        assertThat(offered).isEqualTo(WorkerRegistry.MAX_REOFFERS);
    }

    @Test
    void aTaskNeitherListedNorInTheStateFreesItsSlotAfterTheGap() {
        registry.register("w1", session, 1, List.of(), List.of(), 0);
        registry.takeCandidates(1, 0);
        registry.leased("w1", session, List.of("t1"));
        assertThat(registry.freeSlots()).isZero();
        // It expired (no reply told this node): neither the worker nor the state has it.
        beat(List.of(), Set.of(), 1, 1_000);
        assertThat(registry.freeSlots()).isZero();
        beat(List.of(), Set.of(), 1, 1_500);
        assertThat(registry.freeSlots()).isEqualTo(1);
    }

    @Test
    void aFinishedTaskFreesItsSlotAtOnceAGivenBackOfferOnlyWhenTheWorkerSaysSo() {
        registry.register("w1", session, 1, List.of(), List.of(), 0);
        registry.takeCandidates(1, 0);
        registry.leased("w1", session, List.of("t1"));
        registry.finished("w1", List.of("t1"));
        assertThat(registry.freeSlots()).isEqualTo(1);

        // Offered t2, the worker gives it back: its slot is still busy (t1 has not stopped yet).
        registry.takeCandidates(1, 0);
        registry.leased("w1", session, List.of("t2"));
        beat(List.of(), Set.of("t2"), 0, 1_000);
        registry.released("w1", List.of("t2"));
        assertThat(registry.freeSlots()).isZero();
        assertThat(registry.takeCandidates(1, 0)).isEmpty();

        // t1 stopped: the heartbeat says so.
        beat(List.of(), Set.of(), 1, 1_100);
        assertThat(registry.freeSlots()).isEqualTo(1);
    }

    @Test
    void leasesHeldAtRegistrationAreOfferedAgainIfTheWorkerDoesNotListThem() {
        registry.register("w1", session, 2, List.of(), List.of("t1", "t2"), 0);
        beat(List.of("t1"), Set.of("t1", "t2"), 1, 1_000);
        assertThat(beat(List.of("t1"), Set.of("t1", "t2"), 1, 1_500).reoffer()).containsExactly("t2");
    }

    @Test
    void anUnknownWorkerGetsNothing() {
        assertThat(beat(List.of("t1"), Set.of("t1"), 1, 1_000))
                .isEqualTo(new WorkerRegistry.HeartbeatPlan(false, List.of()));
    }
}
