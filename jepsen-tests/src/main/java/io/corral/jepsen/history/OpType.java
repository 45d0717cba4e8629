package io.corral.jepsen.history;

/** The kind of a history entry, as in Jepsen. */
public enum OpType {
    /** A client starts an operation. */
    INVOKE,
    /** The operation took effect; its value is the result. */
    OK,
    /** The operation certainly did not take effect. */
    FAIL,
    /** Indeterminate: a timeout, a lost connection, an unexpected error. It may or may not have taken effect. */
    INFO;

    public boolean completes() {
        return this != INVOKE;
    }
}
