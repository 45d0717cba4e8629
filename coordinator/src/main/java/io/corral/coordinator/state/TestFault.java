package io.corral.coordinator.state;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Deliberate bugs, switched on only by {@code testing.faults} in a test's configuration, so that the fault-injection
 * harness can prove its checkers catch them. Each one breaks a promise of the brief on purpose; a coordinator with
 * any of them logs a warning at every start and must never run in production.
 */
public enum TestFault {
    /** Breaks promise 2: a lease report is accepted whatever its token, as long as the task is leased to someone. */
    ACCEPT_STALE_TOKENS,
    /** Breaks promise 1: a submission is acknowledged before it is committed (and may never be). */
    ACK_BEFORE_COMMIT,
    /** Breaks promise 3: an acquire is granted even while another holder's hold is live. */
    GRANT_HELD_LOCKS,
    /**
     * Breaks promise 7: once one write this member makes fails, every later one fails too, while the member still
     * answers reads and stays in the cluster (the stuck write path the availability checker must catch).
     */
    STICKY_WRITE_FAILURE;

    /** The name in the configuration: {@code accept-stale-tokens}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses configuration names.
     *
     * @throws IllegalArgumentException naming the unknown entry and the known ones
     */
    public static Set<TestFault> parse(Iterable<String> names) {
        Set<TestFault> out = EnumSet.noneOf(TestFault.class);
        for (String n : names) {
            TestFault found = null;
            for (TestFault f : values()) {
                if (f.configName().equals(n)) {
                    found = f;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException("unknown test fault '" + n + "'; known: "
                        + String.join(
                                ", ",
                                java.util.Arrays.stream(values())
                                        .map(TestFault::configName)
                                        .toList()));
            }
            out.add(found);
        }
        return out;
    }
}
