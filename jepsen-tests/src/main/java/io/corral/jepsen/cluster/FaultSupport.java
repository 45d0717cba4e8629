package io.corral.jepsen.cluster;

import java.util.Map;
import java.util.TreeMap;

/**
 * What some nemeses need prepared when the cluster starts, beyond the default cluster: every other run starts exactly
 * as before.
 *
 * @param spareCoordinators coordinator containers started without a Corral process, to be added to the cluster at
 *     run time (the membership nemeses); they take the names after the members ({@code n4} for 3 members)
 * @param dataDirLimitBytes when positive, every coordinator's data directory is a file system of this size (a tmpfs),
 *     so that a disk nemesis can fill it without filling the host's disk; 0 for the container's own file system
 * @param fakeClock whether coordinators run with libfaketime preloaded, so that a clock nemesis can move their
 *     wall clock (CLOCK_REALTIME) at run time; their monotonic clock is left alone
 * @param coordinatorSettings {@code --set} overrides a nemesis needs, e.g. small Raft log segments so that a full
 *     disk shows within seconds
 */
public record FaultSupport(
        int spareCoordinators, long dataDirLimitBytes, boolean fakeClock, Map<String, String> coordinatorSettings) {
    public static final FaultSupport NONE = new FaultSupport(0, 0, false);

    public FaultSupport(int spareCoordinators, long dataDirLimitBytes, boolean fakeClock) {
        this(spareCoordinators, dataDirLimitBytes, fakeClock, Map.of());
    }

    /** At most this many spares: one is enough to rotate members through, two cover a change that failed midway. */
    public static final int MAX_SPARES = 2;

    /** Smaller than this, the Raft log's preallocated segments and a checkpoint would not fit even when idle. */
    public static final long MIN_DATA_DIR_LIMIT_BYTES = 64L << 20;

    public FaultSupport {
        if (spareCoordinators < 0 || spareCoordinators > MAX_SPARES) {
            throw new IllegalArgumentException(
                    "spareCoordinators must be 0.." + MAX_SPARES + ", got " + spareCoordinators);
        }
        if (dataDirLimitBytes != 0 && dataDirLimitBytes < MIN_DATA_DIR_LIMIT_BYTES) {
            throw new IllegalArgumentException("dataDirLimitBytes must be 0 or at least " + MIN_DATA_DIR_LIMIT_BYTES
                    + ", got " + dataDirLimitBytes);
        }
    }

    /** What both need: the most spares, the larger limit, a fake clock if either wants one, both's settings. */
    public FaultSupport and(FaultSupport other) {
        Map<String, String> settings = new TreeMap<>(coordinatorSettings);
        settings.putAll(other.coordinatorSettings);
        return new FaultSupport(
                Math.max(spareCoordinators, other.spareCoordinators),
                Math.max(dataDirLimitBytes, other.dataDirLimitBytes),
                fakeClock || other.fakeClock,
                settings);
    }
}
