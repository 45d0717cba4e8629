package io.corral.protocol;

/**
 * One ended lease of a task, as {@code corral status TASK} shows it.
 *
 * @param token the lease's fencing token (the Raft index of its grant); a task's tokens strictly increase
 * @param startedAtMs leader time of the grant
 * @param endedAtMs leader time at which the lease ended
 * @param error the reported or decided error; null when the attempt succeeded or was released
 */
public record AttemptView(
        String worker, long token, long startedAtMs, long endedAtMs, AttemptOutcome outcome, String error) {}
