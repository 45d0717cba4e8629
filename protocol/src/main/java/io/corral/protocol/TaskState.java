package io.corral.protocol;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of one task (one image of a job). The legal transitions are listed here, once; the state machine refuses
 * any other with an {@link IllegalStateException} because reaching one is a programming error, not an operating one.
 *
 * <pre>
 *   PENDING ──lease──▶ LEASED ──complete──▶ SUCCEEDED
 *      ▲  │              │ │ └──fail(non-retryable)──▶ FAILED ──retry──▶ PENDING
 *      │  │              │ └──expire/fail(retryable), attempts exhausted──▶ DEAD ──retry──▶ PENDING
 *      │  │              └──expire/fail(retryable)/release──▶ PENDING
 *      │  └──cancel──▶ CANCELLED  ◀──cancel (revocation)── LEASED
 * </pre>
 */
public enum TaskState {
    PENDING,
    LEASED,
    SUCCEEDED,
    FAILED,
    DEAD,
    CANCELLED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == DEAD || this == CANCELLED;
    }

    public Set<TaskState> successors() {
        return switch (this) {
            case PENDING -> EnumSet.of(LEASED, CANCELLED);
            case LEASED -> EnumSet.of(SUCCEEDED, FAILED, DEAD, PENDING, CANCELLED);
            case FAILED, DEAD -> EnumSet.of(PENDING);
            case SUCCEEDED, CANCELLED -> EnumSet.noneOf(TaskState.class);
        };
    }

    public boolean canBecome(TaskState next) {
        return successors().contains(next);
    }

    /** Returns {@code next} if the transition is legal, else throws: callers check the rule before they act. */
    public TaskState transitionTo(TaskState next) {
        if (!canBecome(next)) {
            throw new IllegalStateException("illegal task transition " + this + " -> " + next);
        }
        return next;
    }
}
