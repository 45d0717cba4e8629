package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.Response;
import org.junit.jupiter.api.Test;

/** When a member calls itself unable to commit: one test per rule of {@link WriteHealth}. */
class WriteHealthTest {
    static final long STALL_MS = 30_000;
    static final Response.ErrorReply TIMEOUT = new Response.ErrorReply(ErrorCode.TIMEOUT, "not committed in time");

    @Test
    void aMemberThatNeverFailedIsHealthy() {
        WriteOutcomes w = new WriteOutcomes();
        assertThat(WriteHealth.evaluate(w.snapshot(), 1_000_000, STALL_MS, "n1").healthy())
                .isTrue();
        w.record(10, true, new Response.Ack());
        assertThat(WriteHealth.evaluate(w.snapshot(), 1_000_000, STALL_MS, "n1").healthy())
                .isTrue();
    }

    @Test
    void failuresShorterThanTheStallAreNotAProblem() {
        WriteOutcomes w = new WriteOutcomes();
        w.record(1_000, false, TIMEOUT);
        assertThat(WriteHealth.evaluate(w.snapshot(), 1_000 + STALL_MS - 1, STALL_MS, "n1")
                        .healthy())
                .isTrue();
    }

    @Test
    void failuresForTheStallWithALeaderInSightAreUnhealthyAndSayWhy() {
        WriteOutcomes w = new WriteOutcomes();
        w.record(500, true, new Response.Ack());
        w.record(1_000, false, TIMEOUT);
        w.record(20_000, false, TIMEOUT);
        WriteHealth h = WriteHealth.evaluate(w.snapshot(), 1_000 + STALL_MS, STALL_MS, "n1");
        assertThat(h.healthy()).isFalse();
        assertThat(h.problem())
                .startsWith("cannot commit: every write for 30 s failed although leader n1 is reachable")
                .contains("last committed 30 s ago")
                .contains("TIMEOUT: not committed in time");
    }

    @Test
    void withNoLeaderInSightFailingWritesAreNotUnhealthy() {
        WriteOutcomes w = new WriteOutcomes();
        w.record(1_000, false, TIMEOUT);
        assertThat(WriteHealth.evaluate(w.snapshot(), 1_000 + 10 * STALL_MS, STALL_MS, null)
                        .healthy())
                .isTrue();
    }

    @Test
    void aCommitEndsTheStall() {
        WriteOutcomes w = new WriteOutcomes();
        w.record(1_000, false, TIMEOUT);
        assertThat(w.stalled()).isTrue();
        w.record(2_000, true, new Response.ErrorReply(ErrorCode.LOCK_HELD, "held"));
        assertThat(w.stalled()).isFalse();
        assertThat(WriteHealth.evaluate(w.snapshot(), 1_000 + 2 * STALL_MS, STALL_MS, "n1")
                        .healthy())
                .isTrue();
        assertThat(w.snapshot().committed()).isEqualTo(1);
        assertThat(w.snapshot().failed()).isEqualTo(1);
    }

    @Test
    void aMemberThatNeverCommittedSaysSo() {
        WriteOutcomes w = new WriteOutcomes();
        w.record(0, false, TIMEOUT);
        assertThat(WriteHealth.evaluate(w.snapshot(), STALL_MS, STALL_MS, "n2").problem())
                .contains("no write has committed since this member started");
    }
}
