package io.corral.coordinator.membership;

import io.corral.protocol.PeerView;
import io.corral.protocol.Response;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The wire view of a configuration ({@link Response.Membership}), with the leader's progress when it has it. */
public final class MembershipView {
    public static final String VOTER = "VOTER";
    public static final String LISTENER = "LISTENER";
    public static final String JOINING = "JOINING";
    public static final String LEAVING = "LEAVING";

    private MembershipView() {}

    /**
     * @param progress the leader's view of the members it replicates to; empty unless {@code selfId} leads
     * @param leaderId null when no leader is known
     * @param commitIndex this member's commit index
     */
    public static Response.Membership of(
            Configuration c, List<FollowerProgress> progress, String selfId, String leaderId, long commitIndex) {
        Map<String, FollowerProgress> byId =
                progress.stream().collect(Collectors.toMap(p -> p.member().id(), Function.identity(), (a, b) -> a));
        boolean leading = selfId.equals(leaderId);
        List<PeerView> peers = new ArrayList<>();
        c.voters().forEach(m -> peers.add(view(m, VOTER, byId, selfId, leading, commitIndex)));
        c.listeners().forEach(m -> peers.add(view(m, LISTENER, byId, selfId, leading, commitIndex)));
        c.leaving().forEach(m -> peers.add(view(m, LEAVING, byId, selfId, leading, commitIndex)));
        byId.values().stream()
                .filter(p -> c.find(p.member().id()).isEmpty())
                .sorted(Comparator.comparing(p -> p.member().id()))
                .forEach(p -> peers.add(view(p.member(), JOINING, byId, selfId, leading, commitIndex)));
        return new Response.Membership(leaderId, c.index(), c.changing(), commitIndex, peers);
    }

    private static PeerView view(
            Member m,
            String role,
            Map<String, FollowerProgress> progress,
            String selfId,
            boolean leading,
            long commitIndex) {
        long match = -1;
        long contact = -1;
        if (leading && m.id().equals(selfId)) {
            match = commitIndex;
            contact = 0;
        } else if (progress.containsKey(m.id())) {
            match = progress.get(m.id()).matchIndex();
            contact = progress.get(m.id()).lastContactMs();
        }
        return new PeerView(m.id(), m.raftAddress(), m.rpcAddress(), m.httpAddress(), role, match, contact);
    }
}
