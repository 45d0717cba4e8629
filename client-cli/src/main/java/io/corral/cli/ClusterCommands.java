package io.corral.cli;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.PeerView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code corral cluster ...}: the coordinators themselves. */
@Command(
        name = "cluster",
        description = "Shows the coordinators, waits until they are healthy, takes snapshots and backups, moves"
                + " leadership, adds and removes members.",
        subcommands = {
            ClusterCommands.Status.class,
            ClusterCommands.WaitHealthy.class,
            ClusterCommands.Snapshot.class,
            ClusterCommands.Transfer.class,
            ClusterCommands.AddPeer.class,
            ClusterCommands.RemovePeer.class,
            ClusterBackupCommand.class
        })
final class ClusterCommands extends CommandGroup {
    /** Default bound on add-peer: catching a new member up copies the whole state to it. */
    static final long DEFAULT_JOIN_TIMEOUT_MS = 3_600_000;

    /**
     * Floor of the request timeout of remove-peer: removing the leader waits for a leadership transfer, then for the
     * change itself (the coordinator bounds it by three of its request timeouts, 30 s by default).
     */
    static final long REMOVE_TIMEOUT_MS = 60_000;

    @Command(
            name = "status",
            description = {
                "Shows every member: its addresses, role, term and Raft indexes, then the replicated configuration:",
                "who votes, who listens (LISTENER), and how far each member is behind the leader.",
                "A member that could not be reached is listed with REACHABLE=no and the reason."
            })
    static final class Status extends BaseCommand {
        @Override
        void run(Output out) {
            Response.ClusterStatus status;
            Response.Membership membership;
            Response.Security security;
            try (ClusterSession session = connect()) {
                status = session.callWithRetry(new Request.GetClusterStatus(), Response.ClusterStatus.class);
                membership = membership(session, out);
                security = security(session);
            }
            if (out.json()) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("leaderId", status.leaderId());
                body.put("members", status.members());
                body.put("configuration", membership == null ? null : configurationJson(membership));
                body.put("security", security);
                out.printJson(body);
                return;
            }
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("LEADER", JobCommands.nullToDash(status.leaderId()));
            fields.put("SECURED", secured(security));
            out.fields(fields);
            out.line("");
            out.table(
                    List.of("ID", "RAFT", "RPC", "ROLE", "TERM", "COMMIT", "APPLIED", "SNAPSHOT", "REACHABLE", "ERROR"),
                    memberRows(status.members()));
            if (membership != null) {
                out.line("");
                printConfiguration(out, membership);
            }
        }

        /** How the coordinator reached is secured, or null from one too old to say. */
        private static Response.Security security(ClusterSession session) {
            try {
                return session.callWithRetry(new Request.GetSecurity(), Response.Security.class);
            } catch (CliException e) {
                return null;
            }
        }

        /** One line: whether the cluster is secured, and how, as the coordinator reached is configured. */
        static String secured(Response.Security s) {
            if (s == null) {
                return "not reported (the coordinator reached is older than this CLI)";
            }
            if (s.secured()) {
                List<String> how = new ArrayList<>(List.of("TLS"));
                if ("require".equals(s.clientAuth())) {
                    how.add("client certificates required");
                }
                if (s.tokens()) {
                    how.add("tokens");
                }
                return "yes (" + String.join(", ", how) + ")";
            }
            String missing = !s.tls() && !s.tokens() ? "no TLS, no tokens" : !s.tls() ? "no TLS" : "no tokens";
            if (!s.exposed()) {
                return "no (" + missing + "), on loopback: only this machine reaches it";
            }
            return "NO (" + missing + ", security.insecure): anyone who reaches its network can use it;"
                    + " docs/security.md";
        }

        /** The configuration, or null from a coordinator too old to answer it (the status is shown without it). */
        private static Response.Membership membership(ClusterSession session, Output out) {
            try {
                return session.callWithRetry(new Request.GetMembership(), Response.Membership.class);
            } catch (CliException e) {
                out.note("the configuration is not shown: " + e.getMessage());
                return null;
            }
        }

        static List<List<String>> memberRows(List<MemberStatus> members) {
            List<List<String>> rows = new ArrayList<>(members.size());
            for (MemberStatus m : members) {
                rows.add(List.of(
                        m.id(),
                        JobCommands.nullToDash(m.raftAddress()),
                        JobCommands.nullToDash(m.rpcAddress()),
                        JobCommands.nullToDash(m.role()),
                        index(m.term()),
                        index(m.commitIndex()),
                        index(m.appliedIndex()),
                        index(m.snapshotIndex()),
                        m.reachable() ? "yes" : "no",
                        JobCommands.nullToDash(m.error())));
            }
            return rows;
        }

        /** -1 marks a number an unreachable member could not report. */
        static String index(long n) {
            return n < 0 ? "-" : Long.toString(n);
        }
    }

    @Command(
            name = "wait-healthy",
            description = {
                "Waits until the cluster is healthy: a leader is known and enough members answer with their applied"
                        + " index within --max-lag entries of the leader's commit index. Enough is a majority; with"
                        + " --quorum-plus-one a majority plus one (3 members: 3, 5 members: 4), so that one member"
                        + " can be stopped next, as in a rolling restart.",
                "Prints a progress line on stderr whenever the picture changes. Exit code 0 once healthy; 4, naming"
                        + " what is missing, when --wait-timeout passes first. No coordinator answering yet is waited"
                        + " for like any other missing piece."
            })
    static final class WaitHealthy extends BaseCommand {
        /** Between two looks at the cluster; each is one GetClusterStatus, which asks every member once. */
        static final long POLL_INTERVAL_MS = 1_000;

        @Option(
                names = "--quorum-plus-one",
                description = "Require a majority plus one healthy member (all 3 of 3, 4 of 5).")
        boolean quorumPlusOne;

        @Option(
                names = "--wait-timeout",
                paramLabel = "DURATION",
                converter = Durations.Converter.class,
                defaultValue = "2m",
                description = "Give up after this long (default: 2m). --timeout bounds each request, as everywhere.")
        long waitTimeoutMs;

        @Option(
                names = "--max-lag",
                paramLabel = "ENTRIES",
                defaultValue = "100",
                description = "A member counts as healthy within this many entries of the leader's commit index"
                        + " (default: 100).")
        long maxLagEntries;

        @Override
        void run(Output out) throws InterruptedException {
            if (waitTimeoutMs < 1) {
                throw CliException.usage("--wait-timeout must be at least 1ms");
            }
            if (maxLagEntries < 0) {
                throw CliException.usage("--max-lag must be 0 or more entries");
            }
            ClusterHealth.Verdict healthy = await(spec.commandLine().getErr());
            if (out.json()) {
                out.printJson(json(healthy));
            } else {
                out.line(healthy.line());
            }
        }

        /** Polls until healthy; throws TIMEOUT (exit code 4) naming what is missing when the time runs out. */
        private ClusterHealth.Verdict await(PrintWriter progress) throws InterruptedException {
            JobWatch.Pacer pacer = main().pacer();
            long deadlineMs = pacer.nowMs() + waitTimeoutMs;
            ClusterSession session = null;
            String lastShape = null;
            try {
                while (true) {
                    String shape;
                    String line;
                    String missing;
                    try {
                        if (session == null) {
                            session = connect();
                        }
                        ClusterHealth.Verdict v = ClusterHealth.evaluate(
                                session.call(new Request.GetClusterStatus(), Response.ClusterStatus.class),
                                quorumPlusOne,
                                maxLagEntries);
                        if (v.healthy()) {
                            return v;
                        }
                        shape = v.shape();
                        line = v.line();
                        missing = v.missing();
                    } catch (CliException e) {
                        if (e.exitCode() != ExitCodes.UNAVAILABLE) {
                            throw e; // a usage error or a refusal: waiting will not change it
                        }
                        session = closeQuietly(session);
                        shape = "unreachable";
                        missing = "no coordinator answered (" + e.getMessage() + ")";
                        line = "waiting: " + missing;
                    }
                    if (!shape.equals(lastShape)) {
                        lastShape = shape;
                        progress.println(line);
                        progress.flush();
                    }
                    long leftMs = deadlineMs - pacer.nowMs();
                    if (leftMs <= 0) {
                        throw CliException.of(
                                ErrorCode.TIMEOUT,
                                "cluster not healthy after " + Durations.format(waitTimeoutMs) + ": " + missing);
                    }
                    pacer.pause(Math.min(POLL_INTERVAL_MS, leftMs));
                }
            } finally {
                closeQuietly(session);
            }
        }

        private static ClusterSession closeQuietly(ClusterSession session) {
            if (session != null) {
                session.close();
            }
            return null;
        }

        private static Map<String, Object> json(ClusterHealth.Verdict v) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("healthy", v.healthy());
            body.put("leaderId", v.leaderId());
            body.put("term", v.term());
            body.put("leaderCommitIndex", v.leaderCommitIndex());
            body.put("healthyMembers", v.healthyMembers());
            body.put("needed", v.needed());
            body.put("members", v.members());
            return body;
        }
    }

    static Map<String, Object> configurationJson(Response.Membership m) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("leaderId", m.leaderId());
        body.put("configIndex", m.configIndex());
        body.put("changing", m.changing());
        body.put("commitIndex", m.commitIndex());
        body.put("peers", m.peers());
        return body;
    }

    /** {@code CONFIGURATION  index 160} then a table of the members, their role in it and their lag. */
    static void printConfiguration(Output out, Response.Membership m) {
        out.fields(
                Map.of("CONFIGURATION", "index " + m.configIndex() + (m.changing() ? " (a change is under way)" : "")));
        out.line("");
        out.table(List.of("ID", "MEMBERSHIP", "RAFT", "RPC", "HTTP", "MATCH", "BEHIND", "CONTACT"), peerRows(m));
    }

    static List<List<String>> peerRows(Response.Membership m) {
        List<List<String>> rows = new ArrayList<>(m.peers().size());
        for (PeerView p : m.peers()) {
            long lag = PeerJoin.lag(m, p);
            rows.add(List.of(
                    p.id(),
                    p.role(),
                    JobCommands.nullToDash(p.raftAddress()),
                    JobCommands.nullToDash(p.rpcAddress()),
                    JobCommands.nullToDash(p.httpAddress()),
                    Status.index(p.matchIndex()),
                    lag < 0 ? "-" : Long.toString(lag),
                    contact(m, p)));
        }
        return rows;
    }

    /** How long ago the leader heard from the member; "leader" for the leader itself. */
    private static String contact(Response.Membership m, PeerView p) {
        if (p.id().equals(m.leaderId())) {
            return "leader";
        }
        return p.lastContactMs() < 0 ? "-" : Durations.format(p.lastContactMs()) + " ago";
    }

    @Command(
            name = "add-peer",
            description = {
                "Adds a coordinator to the cluster: first as a listener, which the leader catches up (a checkpoint",
                "of the state, then the log), then, once it is at most "
                        + io.corral.protocol.Limits.MAX_PROMOTION_LAG_ENTRIES
                        + " entries behind, as a voting member.",
                "Start the new coordinator first with join: true (--join) and an empty data directory.",
                "Progress goes to stderr. Interrupted, run it again: it resumes where it stopped."
            })
    static final class AddPeer extends BaseCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "The new member's id (its nodeId).")
        String id;

        @Option(names = "--raft", required = true, paramLabel = "HOST:PORT", description = "Its Raft address.")
        String raft;

        @Option(names = "--rpc", required = true, paramLabel = "HOST:PORT", description = "Its RPC address.")
        String rpc;

        @Option(
                names = "--http",
                paramLabel = "HOST:PORT",
                description = "Its HTTP address (default: the one the new member reports).")
        String http;

        @Option(
                names = "--join-timeout",
                paramLabel = "DURATION",
                converter = Durations.Converter.class,
                description = "Give up waiting after this long, such as 30m (default: 1h). The cluster may still"
                        + " finish the catch-up; run add-peer again to resume.")
        Long joinTimeoutMs;

        @Override
        void run(Output out) throws Exception {
            long limitMs = joinTimeoutMs == null ? DEFAULT_JOIN_TIMEOUT_MS : joinTimeoutMs;
            Response.Membership done;
            try (ClusterSession joining = main().connect(limitMs);
                    ClusterSession watching = connect()) {
                PeerJoin join = new PeerJoin(
                        joining, watching, main().pacer(), spec.commandLine().getErr());
                done = join.run(new Request.AddPeer(id, raft, rpc, http), limitMs);
            }
            if (out.json()) {
                out.printJson(configurationJson(done));
                return;
            }
            out.line(id + " is a voting member");
            out.line("");
            printConfiguration(out, done);
        }
    }

    @Command(
            name = "remove-peer",
            description = {
                "Removes a member, voting or listener, from the configuration; removing the leader moves leadership",
                "first. Refused for an unknown id, the last voter, or when the voters left would have no live",
                "majority. Stop the removed coordinator afterwards."
            })
    static final class RemovePeer extends BaseCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "The member to remove.")
        String id;

        @Override
        void run(Output out) {
            Response.Membership done;
            try (ClusterSession session = main().connect(REMOVE_TIMEOUT_MS)) {
                // Not retried: after a lost answer a second removal would say "no member", hiding that it worked.
                done = session.call(new Request.RemovePeer(id), Response.Membership.class);
            }
            if (out.json()) {
                out.printJson(configurationJson(done));
                return;
            }
            out.line(id + " is no longer a member; stop its coordinator now");
            out.line("");
            printConfiguration(out, done);
        }
    }

    @Command(name = "snapshot", description = "Asks the leader to take a snapshot now and purge the log behind it.")
    static final class Snapshot extends BaseCommand {
        @Override
        void run(Output out) {
            Response.SnapshotTaken taken;
            try (ClusterSession session = connect()) {
                // A second snapshot after a lost reply costs a little disk and nothing else.
                taken = session.callWithRetry(new Request.TakeSnapshot(), Response.SnapshotTaken.class);
            }
            if (out.json()) {
                out.printJson(Map.of("index", taken.index()));
            } else {
                out.line("snapshot taken at index " + taken.index());
            }
        }
    }

    @Command(
            name = "transfer-leader",
            description = "Moves leadership to another member (for maintenance of the current leader).")
    static final class Transfer extends BaseCommand {
        @Option(names = "--to", required = true, paramLabel = "ID", description = "The member id to lead.")
        String targetId;

        @Override
        void run(Output out) {
            Response.LeaderTransferred moved;
            try (ClusterSession session = connect()) {
                moved = session.call(new Request.TransferLeader(targetId), Response.LeaderTransferred.class);
            }
            if (out.json()) {
                out.printJson(Map.of("leaderId", moved.leaderId()));
            } else {
                out.line("leader is now " + moved.leaderId());
            }
        }
    }
}
