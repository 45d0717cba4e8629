package io.corral.protocol.ops;

import io.corral.protocol.Limits;
import java.util.List;

/** Validation of a job's whole operation list. */
public final class Operations {
    private Operations() {}

    /**
     * Parses every operation and returns their canonical texts.
     *
     * @throws InvalidOperationException on the first operation that breaks the grammar, or on too many operations
     */
    public static List<String> canonicalize(List<String> ops) {
        if (ops.size() > Limits.MAX_OPERATIONS_PER_JOB) {
            throw new InvalidOperationException(
                    ops.size() + " operations; a job takes at most " + Limits.MAX_OPERATIONS_PER_JOB);
        }
        return OperationParser.canonicalize(ops);
    }
}
