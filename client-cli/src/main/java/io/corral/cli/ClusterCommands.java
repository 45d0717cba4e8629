package io.corral.cli;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code corral cluster ...}: the coordinators themselves. */
@Command(
        name = "cluster",
        description = "Shows the coordinators, waits until they are healthy, takes snapshots and backups, and moves"
                + " leadership.",
        subcommands = {
            ClusterCommands.Status.class,
            ClusterCommands.WaitHealthy.class,
            ClusterCommands.Snapshot.class,
            ClusterCommands.Transfer.class,
            ClusterBackupCommand.class
        })
final class ClusterCommands extends CommandGroup {
    @Command(
            name = "status",
            description = {
                "Shows every member: its addresses, role, term and Raft indexes.",
                "A member that could not be reached is listed with REACHABLE=no and the reason."
            })
    static final class Status extends BaseCommand {
        @Override
        void run(Output out) {
            Response.ClusterStatus status;
            try (ClusterSession session = connect()) {
                status = session.callWithRetry(new Request.GetClusterStatus(), Response.ClusterStatus.class);
            }
            if (out.json()) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("leaderId", status.leaderId());
                body.put("members", status.members());
                out.printJson(body);
                return;
            }
            out.fields(Map.of("LEADER", JobCommands.nullToDash(status.leaderId())));
            out.line("");
            out.table(
                    List.of("ID", "RAFT", "RPC", "ROLE", "TERM", "COMMIT", "APPLIED", "SNAPSHOT", "REACHABLE", "ERROR"),
                    memberRows(status.members()));
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
        private static String index(long n) {
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
