package io.corral.jepsen.checker;

/**
 * One fault as the availability checker sees it: what kind, and when it was in place, in history time. The heal is
 * {@code endNanos}: the moment the nemesis had undone it.
 *
 * @param kind the nemesis's name, e.g. {@code "partition-leader"}
 */
public record FaultPeriod(String kind, long startNanos, long endNanos) {
    public FaultPeriod {
        if (kind == null || endNanos < startNanos) {
            throw new IllegalArgumentException("a fault has a kind and ends after it starts: " + kind);
        }
    }
}
