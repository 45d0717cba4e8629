package io.corral.jepsen.checker;

import io.corral.jepsen.checker.FinalAttempt.Outcome;
import io.corral.protocol.JobState;
import io.corral.protocol.TaskState;
import java.util.Arrays;
import java.util.List;

/** Final states for tests: a task's fields follow from its attempts unless a test overrides them. */
final class FinalStates {
    private FinalStates() {}

    static FinalAttempt attempt(String worker, long token, Outcome outcome) {
        return new FinalAttempt(worker, token, outcome, outcome == Outcome.FAILED ? "boom" : null);
    }

    /** A task that succeeded on its last attempt. */
    static FinalTask succeeded(String id, String input, FinalAttempt... attempts) {
        FinalAttempt last = attempts[attempts.length - 1];
        return new FinalTask(
                id, input, TaskState.SUCCEEDED, "out-" + id, last.token(), last.worker(), List.of(attempts), 0);
    }

    static FinalTask task(String id, TaskState state, FinalAttempt... attempts) {
        return new FinalTask(id, null, state, null, 0, null, Arrays.asList(attempts), 0);
    }

    static FinalJob job(String id, String key, FinalTask... tasks) {
        boolean done = Arrays.stream(tasks).allMatch(t -> t.state() == TaskState.SUCCEEDED);
        return new FinalJob(id, key, done ? JobState.SUCCEEDED : JobState.LEASED, List.of(tasks));
    }
}
