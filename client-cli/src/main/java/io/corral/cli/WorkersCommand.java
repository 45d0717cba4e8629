package io.corral.cli;

import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.UnreachableMember;
import io.corral.protocol.WorkerView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code corral workers}: the worker agents connected to any coordinator. */
@Command(
        name = "workers",
        description = {
            "Lists the connected workers: the coordinator each is connected to, its slots (free of total),",
            "the leases it holds, its capabilities, when it connected and when it last heartbeat.",
            "A worker with 0 slots is draining. Leases are read from the replicated state on the coordinator the",
            "worker is connected to. A coordinator that does not answer is named on stderr; its workers are missing."
        })
final class WorkersCommand extends BaseCommand {
    @Override
    void run(Output out) {
        Response.WorkerList list;
        try (ClusterSession session = connect()) {
            list = session.callWithRetry(new Request.ListWorkers(), Response.WorkerList.class);
        }
        if (out.json()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("workers", list.workers());
            body.put("unreachable", list.unreachable());
            out.printJson(body);
            return;
        }
        out.table(
                List.of(
                        "WORKER",
                        "COORDINATOR",
                        "SLOTS",
                        "FREE",
                        "LEASES",
                        "TASKS",
                        "CAPABILITIES",
                        "CONNECTED",
                        "HEARTBEAT",
                        "STATE"),
                rows(list.workers()));
        for (UnreachableMember m : list.unreachable()) {
            out.note("coordinator " + m.id() + " did not answer (" + m.error() + "); its workers are not listed");
        }
    }

    static List<List<String>> rows(List<WorkerView> workers) {
        List<List<String>> rows = new ArrayList<>(workers.size());
        for (WorkerView w : workers) {
            rows.add(List.of(
                    w.workerId(),
                    JobCommands.nullToDash(w.coordinatorId()),
                    Integer.toString(w.slots()),
                    Integer.toString(w.freeSlots()),
                    Integer.toString(w.leaseCount()),
                    w.leases().isEmpty() ? "-" : String.join(",", w.leases()),
                    w.capabilities().isEmpty() ? "-" : String.join(",", w.capabilities()),
                    Output.time(w.connectedAtMs()),
                    Output.time(w.lastHeartbeatMs()),
                    w.draining() ? "draining" : "active"));
        }
        return rows;
    }
}
