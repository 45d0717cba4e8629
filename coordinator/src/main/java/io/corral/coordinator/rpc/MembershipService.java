package io.corral.coordinator.rpc;

import io.corral.auth.Principal;
import io.corral.auth.Role;
import io.corral.coordinator.membership.Configuration;
import io.corral.coordinator.membership.FollowerProgress;
import io.corral.coordinator.membership.Member;
import io.corral.coordinator.membership.Members;
import io.corral.coordinator.membership.MembershipException;
import io.corral.coordinator.membership.MembershipRules;
import io.corral.coordinator.membership.MembershipView;
import io.corral.coordinator.raft.RaftNode;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.transport.Session;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GetMembership}, {@code AddPeer}, {@code PromotePeer} and {@code RemovePeer}. The leader decides, with
 * {@link MembershipRules} on its own view of the members, and changes the configuration one change at a time; any
 * other member forwards the request to the leader, once (docs/operations.md, "Adding and removing a coordinator").
 */
public final class MembershipService {
    private static final Logger LOG = LoggerFactory.getLogger(MembershipService.class);

    /**
     * How long the leader waits for a new member to be caught up (a checkpoint install of the whole state, then the
     * log) and the configuration that adds it to be committed. Ratis gives up by itself much sooner when the new
     * member stops answering; this bounds a member that answers but never catches up.
     */
    public static final long JOIN_TIMEOUT_MS = 3_600_000;

    /** A new member must answer a status request this fast before the leader starts catching it up. */
    static final long CANDIDATE_STATUS_TIMEOUT_MS = 2000;

    /** Pause between attempts to reach the new leader after this one handed leadership over to remove itself. */
    static final long NEW_LEADER_RETRY_PAUSE_MS = 100;

    private final RaftNode raft;
    private final Members members;
    private final PeerClients peers;
    private final Executor blocking;
    /** A member that answered the leader within this long counts as live for the quorum rules. */
    private final long liveWithinMs;
    /** Bound on a promotion or removal: no new member to catch up, only the joint configuration to commit. */
    private final long changeTimeoutMs;
    /** The change this member, as leader, has under way; one at a time. */
    private final AtomicReference<String> underWay = new AtomicReference<>();

    public MembershipService(
            RaftNode raft,
            Members members,
            PeerClients peers,
            Executor blocking,
            long liveWithinMs,
            long changeTimeoutMs) {
        this.raft = raft;
        this.members = members;
        this.peers = peers;
        this.blocking = blocking;
        this.liveWithinMs = liveWithinMs;
        this.changeTimeoutMs = changeTimeoutMs;
    }

    public static boolean handles(Request request) {
        return request instanceof Request.GetMembership
                || request instanceof Request.AddPeer
                || request instanceof Request.PromotePeer
                || request instanceof Request.RemovePeer;
    }

    public Members members() {
        return members;
    }

    public CompletableFuture<Response> handle(Request request, Session session) {
        CompletableFuture<Response> reply;
        try {
            String admin = admin(request, session);
            reply = raft.isLeader() ? lead(request, admin) : elsewhere(request, session, admin);
        } catch (MembershipException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        return reply.exceptionally(MembershipService::errorReply);
    }

    /**
     * Who asks for a membership change: the admin's token name; for a change a coordinator forwards, the admin it
     * forwards for ({@link PeerClients#forwardedName}). A coordinator may forward a change only for an admin: the peer
     * role alone changes no membership. Null without authentication, and for a status request.
     */
    static String admin(Request request, Session session) {
        if (request instanceof Request.GetMembership || session.principal().isEmpty()) {
            return null;
        }
        Principal p = session.principal().get();
        if (p.role() != Role.PEER) {
            return p.name(); // an admin: the role table admits no other role
        }
        String admin = PeerClients.onBehalfOf(session.clientName());
        if (admin == null) {
            throw new MembershipException(
                    ErrorCode.PERMISSION_DENIED,
                    "membership changes come from an admin: a coordinator forwards one only on an admin's behalf");
        }
        return admin;
    }

    /** The configuration and, on the leader, every member's progress. */
    public Response.Membership view() {
        return MembershipView.of(
                current(), raft.followerProgress(), members.selfId(), raft.leaderId(), raft.commitIndex());
    }

    private Configuration current() {
        Configuration c = raft.configuration();
        return c != null ? c : members.current();
    }

    private CompletableFuture<Response> lead(Request request, String admin) {
        if (!(request instanceof Request.GetMembership)) {
            LOG.info(
                    "membership: {} asked by {}",
                    request,
                    admin == null ? "a client (no authentication)" : "admin '" + admin + "'");
            // Before anything else: a removal of the leader would otherwise start a leadership transfer, which Ratis
            // refuses while a new member is staged (a change the configuration does not show yet).
            String earlier = underWay.get();
            if (earlier != null) {
                throw conflict(underWayMessage(earlier));
            }
        }
        if (request instanceof Request.AddPeer a) {
            return add(new Member(a.id(), a.raftAddress(), a.rpcAddress(), a.httpAddress()));
        }
        if (request instanceof Request.PromotePeer p) {
            return promote(p.id());
        }
        if (request instanceof Request.RemovePeer r) {
            return remove(r, admin);
        }
        return CompletableFuture.completedFuture(view());
    }

    /**
     * Refuses what the rules refuse before anything else, then asks the new member who it is (it must run, in join
     * mode, with the addresses given), then asks Ratis to catch it up and add it as a listener.
     */
    private CompletableFuture<Response> add(Member asked) {
        if (MembershipRules.add(current(), asked).isEmpty()) {
            return CompletableFuture.completedFuture(view());
        }
        return peers.status(asked, CANDIDATE_STATUS_TIMEOUT_MS)
                .handle((status, error) -> candidate(asked, status, error))
                .thenCompose(candidate -> {
                    Configuration now = current();
                    Optional<MembershipRules.Change> change = MembershipRules.add(now, candidate);
                    return change.isEmpty()
                            ? CompletableFuture.completedFuture(view())
                            : change(now, change.get(), JOIN_TIMEOUT_MS);
                });
    }

    /** The new member as it describes itself, checked against what the operator said of it. */
    static Member candidate(Member asked, MemberStatus status, Throwable error) {
        if (error != null) {
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            throw new MembershipException(
                    ErrorCode.UNAVAILABLE,
                    "'" + asked.id() + "' does not answer at " + asked.rpcAddress() + " (" + cause.getMessage()
                            + "); start it first, with join: true");
        }
        if (!asked.id().equals(status.id())) {
            throw conflict(
                    "the coordinator at " + asked.rpcAddress() + " is '" + status.id() + "', not '" + asked.id() + "'");
        }
        if (!asked.raftAddress().equals(status.raftAddress())) {
            throw conflict("'" + asked.id() + "' says its raft address is " + status.raftAddress() + ", not "
                    + asked.raftAddress());
        }
        if (asked.httpAddress() != null && !asked.httpAddress().equals(status.httpAddress())) {
            throw conflict("'" + asked.id() + "' says its http address is " + status.httpAddress() + ", not "
                    + asked.httpAddress());
        }
        // A member started with join: true is a listener of nobody until a leader adds it. Anything else runs a
        // configuration of its own (its static peers, or the data of an earlier membership) and must not be mixed in.
        if (!"LISTENER".equals(status.role())) {
            throw conflict("'" + asked.id() + "' runs as " + status.role() + " of a configuration of its own; start it"
                    + " with join: true and an empty data directory");
        }
        return asked.httpAddress() != null ? asked : asked.withHttpAddress(status.httpAddress());
    }

    private CompletableFuture<Response> promote(String id) {
        List<FollowerProgress> progress = raft.followerProgress();
        FollowerProgress of = progress.stream()
                .filter(p -> p.member().id().equals(id))
                .findFirst()
                .orElse(null);
        Configuration now = current();
        Optional<MembershipRules.Change> change =
                MembershipRules.promote(now, id, of, raft.commitIndex(), live(progress));
        return change.isEmpty()
                ? CompletableFuture.completedFuture(view())
                : change(now, change.get(), changeTimeoutMs);
    }

    private CompletableFuture<Response> remove(Request.RemovePeer request, String admin) {
        List<FollowerProgress> progress = raft.followerProgress();
        Configuration now = current();
        MembershipRules.Change change = MembershipRules.remove(now, request.id(), live(progress));
        if (request.id().equals(members.selfId()) && now.isVoter(request.id())) {
            return CompletableFuture.supplyAsync(() -> handOverThenForward(request, admin, now, progress), blocking);
        }
        return change(now, change, changeTimeoutMs);
    }

    /**
     * The leader removes itself by handing leadership to the live voter that holds the most of the log, then letting
     * it do the removal: a leader is never left running a configuration it is not part of.
     */
    private Response handOverThenForward(
            Request.RemovePeer request, String admin, Configuration now, List<FollowerProgress> progress) {
        Set<String> live = live(progress);
        FollowerProgress successor = progress.stream()
                .filter(p ->
                        now.isVoter(p.member().id()) && live.contains(p.member().id()))
                .max(Comparator.comparingLong(FollowerProgress::matchIndex))
                .orElseThrow(() -> conflict("no other live voter to hand leadership to before removing the leader"));
        String target = successor.member().id();
        LOG.info("membership: removing this member, the leader: handing leadership to {} first", target);
        try {
            raft.transferLeadership(target);
        } catch (Exception e) {
            throw new MembershipException(
                    ErrorCode.UNAVAILABLE,
                    "could not hand leadership to " + target + " before removing the leader: " + e.getMessage());
        }
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(changeTimeoutMs);
        while (true) {
            Response r;
            try {
                r = peers.forward(successor.member(), request, admin, changeTimeoutMs)
                        .join();
            } catch (CompletionException e) {
                r = new Response.ErrorReply(
                        ErrorCode.UNAVAILABLE, "could not reach the new leader " + target + ": " + e.getCause());
            }
            // The new leader may not be ready (or known to be the leader) for a moment after the transfer.
            boolean notReady = r instanceof Response.ErrorReply e && e.code() == ErrorCode.UNAVAILABLE;
            if (!notReady || System.nanoTime() > deadlineNanos) {
                return r;
            }
            pause(NEW_LEADER_RETRY_PAUSE_MS);
        }
    }

    private CompletableFuture<Response> change(Configuration expected, MembershipRules.Change change, long timeoutMs) {
        String earlier = underWay.compareAndExchange(null, change.description());
        if (earlier != null) {
            throw conflict(underWayMessage(earlier));
        }
        LOG.info("membership: {} (from configuration at index {})", change.description(), expected.index());
        return raft.changeConfiguration(expected, change, timeoutMs)
                .whenComplete((v, e) -> {
                    underWay.set(null);
                    if (e != null) {
                        LOG.warn("membership: {} failed: {}", change.description(), e.getMessage());
                    } else {
                        LOG.info("membership: {} done", change.description());
                    }
                })
                .thenApply(v -> view());
    }

    private static String underWayMessage(String earlier) {
        return "another membership change is under way on the leader (" + earlier + "); wait until it ends";
    }

    /** The leader and the members that answered it within {@link #liveWithinMs}. */
    private Set<String> live(List<FollowerProgress> progress) {
        Set<String> live = new HashSet<>();
        live.add(members.selfId());
        progress.stream()
                .filter(p -> p.lastContactMs() <= liveWithinMs)
                .forEach(p -> live.add(p.member().id()));
        return live;
    }

    /**
     * Not the leader: forward to it. A request forwarded to this member already (leadership moved on the way) is not
     * forwarded again; a status request is then answered from this member's own view, a change refused.
     */
    private CompletableFuture<Response> elsewhere(Request request, Session session, String admin) {
        boolean status = request instanceof Request.GetMembership;
        boolean forwarded =
                session.clientName() != null && session.clientName().startsWith(PeerClients.FORWARDED_PREFIX);
        String leaderId = raft.leaderId();
        if (status && (forwarded || leaderId == null || leaderId.equals(members.selfId()))) {
            return CompletableFuture.completedFuture(view());
        }
        if (leaderId == null) {
            throw new MembershipException(
                    ErrorCode.UNAVAILABLE, "the cluster has no leader; membership changes need one, retry shortly");
        }
        if (forwarded || leaderId.equals(members.selfId())) {
            throw new MembershipException(
                    ErrorCode.UNAVAILABLE, "'" + members.selfId() + "' is not a ready leader; retry shortly");
        }
        Member leader = members.find(leaderId)
                .filter(m -> m.rpcAddress() != null)
                .orElseThrow(() -> new MembershipException(
                        ErrorCode.UNAVAILABLE, "the rpc address of the leader '" + leaderId + "' is not known here"));
        long timeoutMs = request instanceof Request.AddPeer ? JOIN_TIMEOUT_MS : forwardTimeoutMs();
        return peers.forward(leader, request, admin, timeoutMs).exceptionally(e -> {
            if (status) {
                return view();
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            return new Response.ErrorReply(
                    ErrorCode.UNAVAILABLE,
                    "could not reach the leader '" + leaderId + "' at " + leader.rpcAddress() + " ("
                            + cause.getMessage()
                            + "); the outcome of the change is unknown: see corral cluster status");
        });
    }

    /** A removal of the leader waits for a leadership transfer and then for the change itself. */
    long forwardTimeoutMs() {
        return 3 * changeTimeoutMs;
    }

    private static Response errorReply(Throwable e) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof MembershipException m) {
            return new Response.ErrorReply(m.code(), m.getMessage());
        }
        LOG.warn("membership request failed", t);
        return new Response.ErrorReply(ErrorCode.INTERNAL, "membership request failed: " + t);
    }

    private static MembershipException conflict(String message) {
        return new MembershipException(ErrorCode.CONFLICT, message);
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MembershipException(ErrorCode.UNAVAILABLE, "interrupted");
        }
    }
}
