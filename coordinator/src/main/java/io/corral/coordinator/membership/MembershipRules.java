package io.corral.coordinator.membership;

import io.corral.client.HostPort;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The decisions of a membership change, without I/O: whether a change is allowed, given the configuration and the
 * leader's view of its members, and which voters and listeners it produces. The leader decides with these; Ratis'
 * compare-and-set then refuses the change if the configuration moved in between.
 *
 * <p>Every method returns {@link Optional#empty()} when the request is already satisfied (repeating a change that
 * succeeded changes nothing), and throws {@link MembershipException} to refuse.
 */
public final class MembershipRules {
    /** Voters and listeners together: each member costs the leader a replication stream and a copy of the state. */
    public static final int MAX_MEMBERS = 9;

    private static final String ID_PATTERN = "[A-Za-z0-9_.-]{1,64}";

    private MembershipRules() {}

    /** The voters and listeners of the configuration a change produces, and what it does, for logs. */
    public record Change(List<Member> voters, List<Member> listeners, String description) {
        public Change {
            voters = List.copyOf(voters);
            listeners = List.copyOf(listeners);
        }
    }

    /**
     * Adds {@code candidate} as a listener. Refused: a malformed id or address, an id that is already a voter (or a
     * listener with other addresses), an address another member uses, a change under way, a full cluster. The
     * candidate's HTTP address may still be unknown (null).
     */
    public static Optional<Change> add(Configuration c, Member candidate) {
        checkWellFormed(candidate);
        checkStable(c);
        Optional<Member> existing = c.find(candidate.id());
        if (existing.isPresent()) {
            if (c.isVoter(candidate.id())) {
                throw conflict("'" + candidate.id() + "' is already a voting member");
            }
            if (sameAddresses(existing.get(), candidate)) {
                return Optional.empty();
            }
            throw conflict("'" + candidate.id() + "' is already a listener with other addresses ("
                    + describe(existing.get()) + "); remove it first");
        }
        for (Member m : c.everyone()) {
            for (String address : candidate.addresses()) {
                if (m.addresses().contains(address)) {
                    throw conflict("address " + address + " is already used by member '" + m.id() + "'");
                }
            }
        }
        if (c.everyone().size() >= MAX_MEMBERS) {
            throw conflict("the cluster has " + c.everyone().size() + " members, the most it may have");
        }
        List<Member> listeners = new ArrayList<>(c.listeners());
        listeners.add(candidate);
        return Optional.of(new Change(c.voters(), listeners, "add " + candidate.id() + " as a listener"));
    }

    /**
     * Makes listener {@code id} a voter. Refused while it is more than {@link Limits#MAX_PROMOTION_LAG_ENTRIES}
     * behind {@code commitIndex}, when it has not answered the leader recently, or when the voters afterwards would
     * not have a live majority.
     *
     * @param progress the leader's view of the listener; null when the leader has none (it is not the leader, or
     *     has not replicated to the listener yet)
     * @param live the members that answered the leader recently, the leader included
     */
    public static Optional<Change> promote(
            Configuration c, String id, FollowerProgress progress, long commitIndex, Set<String> live) {
        checkStable(c);
        if (c.isVoter(id)) {
            return Optional.empty();
        }
        if (!c.isListener(id)) {
            throw new MembershipException(
                    ErrorCode.NOT_FOUND, "no listener '" + id + "'; listeners are " + c.listenerIds());
        }
        if (progress == null) {
            throw conflict("the leader has not replicated to '" + id + "' yet; retry shortly");
        }
        long lagEntries = commitIndex - progress.matchIndex();
        if (lagEntries > Limits.MAX_PROMOTION_LAG_ENTRIES) {
            throw conflict("'" + id + "' is " + lagEntries + " entries behind the commit index (at most "
                    + Limits.MAX_PROMOTION_LAG_ENTRIES + " for a promotion); wait until it catches up");
        }
        if (!live.contains(id)) {
            throw conflict("'" + id + "' has not answered the leader for " + progress.lastContactMs() + " ms");
        }
        Member member = c.find(id).orElseThrow();
        List<Member> voters = new ArrayList<>(c.voters());
        voters.add(member);
        requireLiveMajority(voters, live, "promoting '" + id + "'");
        List<Member> listeners =
                c.listeners().stream().filter(m -> !m.id().equals(id)).toList();
        return Optional.of(new Change(voters, listeners, "promote " + id + " to a voter"));
    }

    /**
     * Removes member {@code id}, voter or listener. Refused: an unknown id, a change under way, the last voter, and a
     * removal after which the voters left would not have a live majority (the change itself could never commit).
     *
     * @param live the members that answered the leader recently, the leader included
     */
    public static Change remove(Configuration c, String id, Set<String> live) {
        checkStable(c);
        if (c.find(id).isEmpty()) {
            throw new MembershipException(
                    ErrorCode.NOT_FOUND,
                    "no member '" + id + "'; voters are " + c.voterIds() + ", listeners " + c.listenerIds());
        }
        List<Member> listeners =
                c.listeners().stream().filter(m -> !m.id().equals(id)).toList();
        if (c.isListener(id)) {
            return new Change(c.voters(), listeners, "remove listener " + id);
        }
        List<Member> voters =
                c.voters().stream().filter(m -> !m.id().equals(id)).toList();
        if (voters.isEmpty()) {
            throw new MembershipException(
                    ErrorCode.BAD_REQUEST, "'" + id + "' is the last voting member; a cluster keeps at least one");
        }
        requireLiveMajority(voters, live, "removing '" + id + "'");
        return new Change(voters, listeners, "remove voter " + id);
    }

    /**
     * A change commits only with a majority of the new voters (Raft's joint consensus), so the new voters must have a
     * live majority, or the cluster would be stuck in the middle of the change.
     */
    static void requireLiveMajority(List<Member> voters, Set<String> live, String what) {
        List<String> answering =
                voters.stream().map(Member::id).filter(live::contains).toList();
        if (answering.size() * 2 <= voters.size()) {
            throw conflict(what + " would leave voters "
                    + voters.stream().map(Member::id).toList() + " of which only " + answering
                    + " answer the leader: no majority; bring the others back first");
        }
    }

    private static void checkStable(Configuration c) {
        if (c.changing()) {
            throw conflict("a configuration change is under way (configuration at index " + c.index()
                    + "); wait until it ends");
        }
    }

    private static void checkWellFormed(Member m) {
        if (m.id() == null || !m.id().matches(ID_PATTERN)) {
            throw badRequest("member id must be 1-64 letters, digits, '_', '.' or '-', got '" + m.id() + "'");
        }
        hostPort("raft address", m.raftAddress());
        hostPort("rpc address", m.rpcAddress());
        if (m.httpAddress() != null) {
            hostPort("http address", m.httpAddress());
        }
        if (m.addresses().stream().distinct().count() != m.addresses().size()) {
            throw badRequest("a member listens on distinct addresses, got " + describe(m));
        }
    }

    private static void hostPort(String what, String value) {
        if (value == null) {
            throw badRequest("the " + what + " is required (host:port)");
        }
        try {
            HostPort.parse(value);
        } catch (IllegalArgumentException e) {
            throw badRequest("the " + what + ": " + e.getMessage());
        }
        // The configuration carries addresses in one string separated by these (see raft.PeerAddresses).
        if (!value.matches("[^,=;\\s]+")) {
            throw badRequest("the " + what + " '" + value + "' must not hold ',', '=', ';' or spaces");
        }
    }

    /** The same addresses, an HTTP address one side does not know left out of the comparison. */
    private static boolean sameAddresses(Member a, Member b) {
        return a.raftAddress().equals(b.raftAddress())
                && a.rpcAddress() != null
                && a.rpcAddress().equals(b.rpcAddress())
                && (a.httpAddress() == null
                        || b.httpAddress() == null
                        || a.httpAddress().equals(b.httpAddress()));
    }

    static String describe(Member m) {
        return "raft " + m.raftAddress() + ", rpc " + m.rpcAddress() + ", http " + m.httpAddress();
    }

    private static MembershipException conflict(String message) {
        return new MembershipException(ErrorCode.CONFLICT, message);
    }

    private static MembershipException badRequest(String message) {
        return new MembershipException(ErrorCode.BAD_REQUEST, message);
    }
}
