package io.corral.coordinator.state.jobs;

import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.StateInvariants;
import io.corral.coordinator.state.kv.FakeKv;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.util.Collections;
import java.util.List;

/** Submits jobs and moves their tasks the way the worker protocol will, checking invariants after each step. */
final class JobTestSupport {
    private JobTestSupport() {}

    /** Submits a job of {@code tasks} copies of one image; returns its seq. */
    static long submit(CoreHarness h, int priority, int tasks) {
        ImageRef image = h.image("img.png", CoreHarness.png(64, 1));
        Response reply =
                h.reply(new Command.SubmitJob(Collections.nCopies(tasks, image), List.of(), priority, 3, null, null));
        return JobKeys.parseJobId(((Response.JobSubmitted) reply).jobId());
    }

    static TaskRecord task(CoreHarness h, long seq, int index) {
        return Tasks.get(h.kv, seq, index);
    }

    /** Moves a task in its own committed transaction, as one applied entry would. */
    static TaskRecord move(CoreHarness h, long seq, int index, TaskState next) {
        FakeKv.Txn txn = h.kv.begin();
        TaskRecord task = task(h, seq, index);
        if (next == TaskState.LEASED) {
            task = task.withLease(new TaskLease("w", h.nextIndex(), h.nowMs(), h.nowMs() + 30_000));
        }
        TaskRecord moved = Tasks.transition(txn, h.nowMs(), task, next);
        txn.commit();
        StateInvariants.check(h.kv, h.core);
        return moved;
    }

    /** Drives a fresh PENDING task to {@code state} along a legal path. */
    static void driveTo(CoreHarness h, long seq, int index, TaskState state) {
        switch (state) {
            case PENDING -> {}
            case CANCELLED -> move(h, seq, index, TaskState.CANCELLED);
            case LEASED -> move(h, seq, index, TaskState.LEASED);
            default -> {
                move(h, seq, index, TaskState.LEASED);
                move(h, seq, index, state);
            }
        }
    }
}
