package io.corral.jepsen.nemesis;

import java.util.Map;

/**
 * A fault in place, as started by a {@link Nemesis}: what it did (for the history and the report) and how to undo it.
 */
public interface Fault {
    /** The nemesis kind, e.g. {@code "partition-leader"}. */
    String kind();

    /** What was done, to which nodes; recorded in the history. */
    Map<String, Object> detail();

    /** Undoes the fault; idempotent. */
    void heal();
}
