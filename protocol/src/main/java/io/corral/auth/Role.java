package io.corral.auth;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What a token may do. Each request type names the roles allowed to send it in {@link AccessTable}; {@link #ADMIN} may
 * send everything. {@link #PEER} is the coordinators' own role: it is never written in a tokens file, it belongs to
 * the shared peer token ({@code auth.peerTokenFile}) that coordinators present to each other.
 */
public enum Role {
    /** Everything, including membership, snapshots, leader transfer and backups. */
    ADMIN("admin"),
    /** Uploads, submits, follows, cancels and retries jobs, downloads results, uses locks. */
    SUBMITTER("submitter"),
    /** A worker agent: registers, heartbeats, works on its leases, downloads inputs and uploads results. */
    WORKER("worker"),
    /** Reads status: jobs, tasks, locks, workers, the cluster. */
    READ_ONLY("read-only"),
    /** Another coordinator of the cluster (internal). */
    PEER("peer");

    private final String configName;

    Role(String configName) {
        this.configName = configName;
    }

    /** The name used in tokens files, flags and messages ({@code read-only}). */
    public String configName() {
        return configName;
    }

    /**
     * The role of a tokens-file entry or a flag, spelled as {@link #configName()}.
     *
     * @throws IllegalArgumentException naming the roles that exist
     */
    public static Role parse(String name) {
        for (Role r : values()) {
            if (r.configName.equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + name + "'; roles are "
                + Arrays.stream(values()).map(Role::configName).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return configName;
    }
}
