package io.corral.cli;

import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code corral cluster ...}: the coordinators themselves. */
@Command(
        name = "cluster",
        description = "Shows the coordinators, takes snapshots and backups, and moves leadership.",
        subcommands = {
            ClusterCommands.Status.class,
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
