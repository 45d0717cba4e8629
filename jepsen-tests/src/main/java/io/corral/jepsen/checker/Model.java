package io.corral.jepsen.checker;

import java.util.List;

/**
 * A sequential specification for {@link LinearizabilityChecker}: what each operation does to a state when it takes
 * effect atomically.
 *
 * <p>States must be immutable values with {@code equals}/{@code hashCode}: the search caches (linearized set, state)
 * pairs it has explored, which is what keeps it from being exponential on most histories.
 *
 * @param <S> the state type
 */
public interface Model<S> {

    S initial();

    /**
     * The states {@code op} can lead to from {@code state} if it takes effect there: empty when it cannot (the
     * search then tries another order), several when the specification is nondeterministic (a lock that may or may
     * not have expired). For an INFO operation return only its effects; the checker itself covers the case where it
     * had none.
     */
    List<S> step(S state, Operation op);

    /**
     * Whether the operation constrains this model. The default leaves out FAIL, which had no effect; a model whose
     * refusals say something about the state (a lock refused because it is held) can keep them.
     */
    default boolean includes(Operation op) {
        return !op.isFail();
    }

    /**
     * The independent object the operation acts on. Operations on different objects commute, so each partition is
     * checked on its own (P-compositionality), which shrinks the search by orders of magnitude. The default is one
     * partition.
     */
    default String partition(Operation op) {
        return "";
    }
}
