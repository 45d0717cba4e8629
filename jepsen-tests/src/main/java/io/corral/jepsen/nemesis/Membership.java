package io.corral.jepsen.nemesis;

import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.FaultSupport;
import io.corral.jepsen.cluster.Node;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.PeerView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership changes while clients and workers run, as docs/operations.md tells an operator to make them: a spare
 * coordinator is started in join mode and added ({@code AddPeer}: the leader catches it up, then it is promoted to a
 * voter), then another member is removed ({@code RemovePeer}; the leader hands leadership over first when it is the
 * one removed) and stopped, and its data deleted: it is the next spare. The cluster is back to its size after each
 * fault, with one member replaced. What happened (who, how long, the removed member's role afterwards, any error) goes
 * into the fault's detail for {@link MembershipCheck}.
 *
 * <p>A step that fails is not retried forever: the fault records the error, and its heal brings the configuration back
 * to the cluster's size with nothing but voters, whatever state the failure left ({@link MembershipPlan#repair}).
 */
public final class Membership implements Nemesis {
    private static final Logger log = LoggerFactory.getLogger(Membership.class);

    /** How long a started joiner may take to answer its status. */
    static final long JOINER_START_TIMEOUT_MS = 60_000;

    /** How long an add (catch-up included) and its promotion may take. */
    static final long ADD_TIMEOUT_MS = 120_000;

    /** How long a removal may take, a leader's handover included. */
    static final long REMOVE_TIMEOUT_MS = 60_000;

    /** How long a removed member may take to stop its Raft member (it learns of its removal from the log). */
    static final long REMOVED_STOP_TIMEOUT_MS = 10_000;

    /** Roles of a coordinator that still runs Raft as a member of some configuration. */
    static final Set<String> RUNNING_ROLES = Set.of("LEADER", "FOLLOWER", "CANDIDATE");

    private final String kind;
    private final boolean removeLeader;

    private Membership(String kind, boolean removeLeader) {
        this.kind = kind;
        this.removeLeader = removeLeader;
    }

    /** Adds a spare, then removes a random member other than the leader. */
    public static Membership replaceMember() {
        return new Membership("replace-member", false);
    }

    /** Adds a spare, then removes the leader (which hands leadership over first). */
    public static Membership replaceLeader() {
        return new Membership("replace-leader", true);
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public FaultSupport needs() {
        return new FaultSupport(1, 0, false);
    }

    @Override
    public Optional<NemesisCheck> check() {
        return Optional.of(new MembershipCheck());
    }

    @Override
    public Fault start(ContainerCluster cluster, Leaders leaders, Random random) {
        Map<String, Object> detail = new LinkedHashMap<>();
        int size = cluster.coordinators().size();
        repair(cluster, size, detail, "repairBefore");
        List<Node> spares = cluster.spares();
        if (spares.isEmpty()) {
            throw new IllegalStateException("no spare coordinator: the cluster was started without one");
        }
        Node spare = spares.get(random.nextInt(spares.size()));
        try {
            add(cluster, spare, detail);
            Response.Membership m = Admin.membership(cluster);
            if (m == null) {
                throw new IllegalStateException("no member answered GetMembership after the add");
            }
            String victim = MembershipPlan.victim(m, removeLeader, spare.name(), random);
            remove(cluster, cluster.node(victim), victim.equals(m.leaderId()), detail);
        } catch (RuntimeException e) {
            log.warn("membership: {} failed: {}", kind, e.toString());
            detail.put("error", e.toString());
        }
        return new Fault() {
            @Override
            public String kind() {
                return kind;
            }

            @Override
            public Map<String, Object> detail() {
                return detail;
            }

            @Override
            public void heal() {
                repair(cluster, size, detail, "repairAfter");
            }
        };
    }

    /** Starts the spare as a joiner, adds it and promotes it; records how long that took. */
    static void add(ContainerCluster cluster, Node spare, Map<String, Object> detail) {
        long t0 = System.nanoTime();
        detail.put("added", spare.name());
        cluster.startJoiner(spare);
        if (!Admin.await(JOINER_START_TIMEOUT_MS, () -> {
            MemberStatus s = Admin.nodeStatus(cluster, spare);
            return s != null && "LISTENER".equals(s.role());
        })) {
            throw new IllegalStateException(
                    spare.name() + " did not answer as a joiner within " + JOINER_START_TIMEOUT_MS + " ms");
        }
        long deadline = System.nanoTime() + ADD_TIMEOUT_MS * 1_000_000;
        Request add = new Request.AddPeer(spare.name(), spare.raftAddress(), spare.rpcAddress(), null);
        change(cluster, add, deadline, m -> role(m, spare.name()) != null);
        change(cluster, new Request.PromotePeer(spare.name()), deadline, m -> "VOTER".equals(role(m, spare.name())));
        cluster.admitted(spare);
        detail.put("addMs", (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Removes a member, checks that it stops running Raft (a removed member must not serve or campaign), then stops
     * its process and deletes its data.
     */
    static void remove(ContainerCluster cluster, Node victim, boolean leader, Map<String, Object> detail) {
        long t0 = System.nanoTime();
        detail.put("removed", victim.name());
        detail.put("removedLeader", leader);
        long deadline = System.nanoTime() + REMOVE_TIMEOUT_MS * 1_000_000;
        change(cluster, new Request.RemovePeer(victim.name()), deadline, m -> role(m, victim.name()) == null);
        detail.put("removeMs", (System.nanoTime() - t0) / 1_000_000);
        String[] seen = {"unknown"};
        Admin.await(REMOVED_STOP_TIMEOUT_MS, () -> {
            MemberStatus s = Admin.nodeStatus(cluster, victim);
            seen[0] = s == null ? "NOT_ANSWERING" : s.role();
            return !RUNNING_ROLES.contains(seen[0]);
        });
        detail.put("removedRole", seen[0]);
        cluster.retire(victim);
        Response.Membership after = Admin.membership(cluster);
        if (after != null) {
            detail.put("leaderAfter", String.valueOf(after.leaderId()));
        }
    }

    /**
     * Sends a membership change until {@code done} holds for the configuration: a change refused for a passing reason
     * (no leader yet, another change under way, a lost answer) is sent again; any other refusal ends the fault.
     */
    static void change(
            ContainerCluster cluster,
            Request request,
            long deadlineNanos,
            java.util.function.Predicate<Response.Membership> done) {
        String lastError = "not sent";
        while (System.nanoTime() < deadlineNanos) {
            Response.Membership now = Admin.membership(cluster);
            if (now != null && done.test(now)) {
                return;
            }
            long leftMs = Math.max(1_000, (deadlineNanos - System.nanoTime()) / 1_000_000);
            try (CorralClient c = Admin.connect(cluster, cluster.memberRpcAddresses(), leftMs)) {
                Response.Membership m = c.call(request, Response.Membership.class, leftMs);
                if (done.test(m)) {
                    return;
                }
                lastError = "answered, but not done: " + describe(m);
            } catch (CorralException e) {
                lastError = e.code() + " " + e.getMessage();
                if (!Admin.transientRefusal(e)) {
                    throw new IllegalStateException(request + " refused: " + lastError, e);
                }
            } catch (IllegalStateException e) {
                lastError = e.toString(); // no member accepted a connection: try again
            }
            Admin.pause(500);
        }
        throw new IllegalStateException(request + " not done in time; last: " + lastError);
    }

    /**
     * Brings the configuration back to {@code size} voters and nothing else, and the cluster's record of its members
     * in line with it; what was done goes into {@code detail} under {@code key}.
     */
    static void repair(ContainerCluster cluster, int size, Map<String, Object> detail, String key) {
        Response.Membership m = settled(cluster);
        if (m == null) {
            detail.put(key, "no settled configuration to repair from");
            return;
        }
        Set<String> recorded =
                cluster.coordinators().stream().map(Node::name).collect(Collectors.toCollection(TreeSet::new));
        MembershipPlan.Repair r = MembershipPlan.repair(m, recorded, size);
        // Spares must not run: a joiner left behind would hold the clients that reach it.
        for (Node spare : cluster.spares()) {
            if (!r.admit().contains(spare.name()) && spare.running()) {
                cluster.retire(spare);
            }
        }
        if (r.nothing()) {
            return;
        }
        detail.put(key, r.toString());
        log.warn("membership: repairing the configuration {}: {}", describe(m), r);
        long deadline = System.nanoTime() + REMOVE_TIMEOUT_MS * 1_000_000;
        for (String id : r.remove()) {
            try {
                change(cluster, new Request.RemovePeer(id), deadline, c -> role(c, id) == null);
            } catch (RuntimeException e) {
                detail.put(key + "Error", e.toString());
                return;
            }
            cluster.retire(cluster.node(id));
        }
        r.admit().forEach(id -> cluster.admitted(cluster.node(id)));
        r.retire().forEach(id -> cluster.retire(cluster.node(id)));
    }

    /** The configuration once no change is under way, or null if none could be read within the removal bound. */
    static Response.Membership settled(ContainerCluster cluster) {
        Response.Membership[] m = {null};
        Admin.await(REMOVE_TIMEOUT_MS, () -> {
            m[0] = Admin.membership(cluster);
            return m[0] != null && m[0].leaderId() != null && !m[0].changing();
        });
        return m[0] != null && !m[0].changing() ? m[0] : null;
    }

    static String role(Response.Membership m, String id) {
        return m.peers().stream()
                .filter(p -> p.id().equals(id))
                .map(PeerView::role)
                .findFirst()
                .orElse(null);
    }

    static String describe(Response.Membership m) {
        return m.peers().stream().map(p -> p.id() + ":" + p.role()).collect(Collectors.joining(",", "[", "]"))
                + " leader " + m.leaderId() + (m.changing() ? " (changing)" : "");
    }
}
