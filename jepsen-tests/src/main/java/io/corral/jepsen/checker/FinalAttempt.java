package io.corral.jepsen.checker;

/**
 * One ended lease of a task, as the cluster recorded it (its attempt history keeps the last 20 per task).
 *
 * @param worker the worker that held the lease
 * @param token the lease's fencing token (the Raft index of its grant)
 * @param outcome how the lease ended
 * @param error the reported or decided error, null when it succeeded or was released
 */
public record FinalAttempt(String worker, long token, Outcome outcome, String error) {
    public enum Outcome {
        /** The holder completed the task: its result was committed. */
        SUCCEEDED,
        /** The holder reported an error, which the cluster accepted. */
        FAILED,
        /** The leader saw the lease lapse. */
        EXPIRED,
        /** The holder gave the task back unfinished (drain). */
        RELEASED,
        /** The job was cancelled while the task was leased. */
        CANCELLED;

        /** Whether the cluster accepted a completion or failure report carrying this lease's token. */
        public boolean acceptedReport() {
            return this == SUCCEEDED || this == FAILED;
        }
    }
}
