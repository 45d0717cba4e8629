package io.corral.jepsen.checker;

import io.corral.protocol.ErrorCode;

/**
 * Whether a client operation got an answer from the cluster, for the availability checker. An answer is the system
 * working, whether it says yes or no: OK, or FAIL with an error code that is not retryable ({@code LOCK_HELD}, {@code
 * STALE_TOKEN}, {@code CONFLICT}, ...), a decision the cluster took. Everything else is the cluster failing to answer:
 * INFO (the outcome is unknown: a timeout, a lost connection, {@code UNAVAILABLE}, {@code OVERLOADED}), and a FAIL whose
 * code is retryable (an upload refused with {@code UNAVAILABLE} creates no job, so the queue records it as FAIL) or
 * that names no code at all (nothing shows the cluster decided anything).
 */
final class Answers {
    private Answers() {}

    static boolean answered(Operation op) {
        if (op.isOk()) {
            return true;
        }
        if (op.isInfo()) {
            return false;
        }
        ErrorCode code = code(op.completion().error());
        return code != null && !code.retryable();
    }

    /**
     * The error code an error text carries: the first of its {@code ": "}-separated parts that names one, so that a
     * stage prefix is skipped ({@code "upload: UNAVAILABLE: no leader"} is {@code UNAVAILABLE}). Null when none does.
     */
    static ErrorCode code(String error) {
        if (error == null) {
            return null;
        }
        for (String part : error.split(": ")) {
            ErrorCode code = codeNamed(part.trim());
            if (code != null) {
                return code;
            }
        }
        return null;
    }

    private static ErrorCode codeNamed(String name) {
        for (ErrorCode c : ErrorCode.values()) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }
}
