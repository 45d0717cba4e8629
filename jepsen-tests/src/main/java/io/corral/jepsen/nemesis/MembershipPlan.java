package io.corral.jepsen.nemesis;

import io.corral.protocol.PeerView;
import io.corral.protocol.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/** The membership nemesis's decisions, without I/O: whom to remove, and how to put a configuration back in order. */
final class MembershipPlan {
    static final String VOTER = "VOTER";

    private MembershipPlan() {}

    /** Voters of a configuration, sorted. */
    static List<String> voters(Response.Membership m) {
        return m.peers().stream()
                .filter(p -> VOTER.equals(p.role()))
                .map(PeerView::id)
                .sorted()
                .toList();
    }

    /** Members that are not voters (listeners, members being caught up or removed), sorted. */
    static List<String> nonVoters(Response.Membership m) {
        return m.peers().stream()
                .filter(p -> !VOTER.equals(p.role()))
                .map(PeerView::id)
                .sorted()
                .toList();
    }

    /**
     * The member to remove after {@code added} joined: the leader, or a random other voter that is neither the leader
     * nor the member just added (removing that one would undo the change and rotate nothing).
     *
     * @throws IllegalStateException when there is no such voter
     */
    static String victim(Response.Membership m, boolean leader, String added, Random random) {
        if (leader) {
            if (m.leaderId() == null) {
                throw new IllegalStateException("no leader to remove: the configuration answer names none");
            }
            return m.leaderId();
        }
        List<String> candidates = new ArrayList<>(voters(m));
        candidates.remove(m.leaderId());
        candidates.remove(added);
        if (candidates.isEmpty()) {
            throw new IllegalStateException("no voter to remove besides the leader and " + added + ": " + voters(m));
        }
        return candidates.get(random.nextInt(candidates.size()));
    }

    /**
     * What it takes to bring a configuration back to {@code size} voters and nothing else, and the harness's record of
     * the members in line with it.
     *
     * @param remove members to remove, in this order: every non-voter, then excess voters (those the harness did not
     *     record first, never the leader while another will do)
     * @param admit voters left that the harness records as spares
     * @param retire members the harness records that are not voters any more
     */
    record Repair(List<String> remove, List<String> admit, List<String> retire) {
        boolean nothing() {
            return remove.isEmpty() && admit.isEmpty() && retire.isEmpty();
        }
    }

    static Repair repair(Response.Membership m, Set<String> recorded, int size) {
        List<String> remove = new ArrayList<>(nonVoters(m));
        List<String> voters = new ArrayList<>(voters(m));
        List<String> extra = new ArrayList<>();
        voters.stream().filter(v -> !recorded.contains(v)).forEach(extra::add);
        voters.stream()
                .filter(v -> recorded.contains(v) && !v.equals(m.leaderId()))
                .forEach(extra::add);
        if (voters.contains(m.leaderId())) {
            extra.add(m.leaderId());
        }
        int excess = Math.max(0, voters.size() - size);
        List<String> dropped = extra.subList(0, excess);
        remove.addAll(dropped);
        Set<String> left = new TreeSet<>(voters);
        dropped.forEach(left::remove);
        List<String> admit = left.stream().filter(v -> !recorded.contains(v)).toList();
        List<String> retire =
                recorded.stream().filter(r -> !left.contains(r)).sorted().toList();
        return new Repair(List.copyOf(remove), admit, retire);
    }
}
