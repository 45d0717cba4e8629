package io.corral.coordinator.membership;

import io.corral.coordinator.config.CoordinatorConfig;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Who the members are and where they listen, for everything that talks to peers (status and worker gathering,
 * snapshot downloads, the catch-up watchdog, leadership transfer). It follows the configuration Raft replicates, so
 * members added or removed at run time are seen by every member, a restarted or a new one included; until Raft has
 * started it answers with the bootstrap configuration of the static config ({@code peers}, or this member alone as a
 * listener when it starts with {@code join: true}), and once Raft has stopped (Ratis stops the Raft member of a
 * coordinator removed from the configuration) with the last configuration it knew.
 */
public final class Members {
    private final String selfId;
    private final Configuration bootstrap;
    private volatile Supplier<Configuration> live = () -> null;
    private volatile Configuration lastKnown;

    public Members(CoordinatorConfig config) {
        this.selfId = config.nodeId();
        this.bootstrap = bootstrap(config);
    }

    /** The configuration a member starts from when its Raft log holds none yet. */
    public static Configuration bootstrap(CoordinatorConfig config) {
        if (config.join()) {
            return Configuration.of(-1, List.of(), List.of(self(config)));
        }
        return Configuration.of(-1, config.peers().stream().map(Member::of).toList(), List.of());
    }

    /** This member, with the addresses of its own configuration. */
    public static Member self(CoordinatorConfig config) {
        return new Member(config.nodeId(), config.raftAddress(), config.rpcAddress(), config.httpAddress());
    }

    /**
     * Follows {@code live}, the configuration of the running Raft member; it may answer null (the member is not
     * running), and then the bootstrap configuration is used.
     */
    public void follow(Supplier<Configuration> live) {
        this.live = live;
    }

    public Configuration current() {
        Configuration c = live.get();
        if (c != null) {
            lastKnown = c;
            return c;
        }
        Configuration last = lastKnown;
        return last != null ? last : bootstrap;
    }

    public Optional<Member> find(String id) {
        return current().find(id);
    }

    public String selfId() {
        return selfId;
    }
}
