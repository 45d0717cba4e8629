package io.corral.coordinator.lifecycle;

import io.corral.coordinator.http.HttpServer;
import io.corral.coordinator.raft.CorralStateMachine;
import io.corral.coordinator.raft.RaftNode;
import io.corral.coordinator.raft.WriteHealth;
import io.corral.protocol.transport.RpcServer;
import io.corral.systemd.Health;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.ratis.util.LifeCycle;

/**
 * What the systemd watchdog asks a coordinator: is this process still doing its job? Healthy means the Raft division
 * runs, the state machine has not failed, the member can commit whenever it hears a leader ({@link WriteHealth}), and
 * the RPC and HTTP servers' event loops still run tasks.
 *
 * <p>Deliberately not part of it: whether there is a leader, or whether peers answer. A member on the minority side
 * of a partition, or one whose peers are all down, is working as designed; restarting it would only lose its warm
 * state and, in a partition, restart every member cut off at once. A member whose writes fail although it hears a
 * leader is another matter: nothing outside it is in its way, and a restart is what mends it.
 */
public final class CoordinatorHealth {
    /** Bound on one event-loop probe; well under any sensible WatchdogSec (a ping is due every half interval). */
    public static final long PROBE_TIMEOUT_MS = 2_000;

    private CoordinatorHealth() {}

    public static Health check(RaftNode raft, CorralStateMachine stateMachine, RpcServer rpc, HttpServer http) {
        List<String> problems = problems(raft, stateMachine, rpc);
        if (http == null || !http.responsive(PROBE_TIMEOUT_MS)) {
            problems.add("the HTTP server is closed or its event loop did not run a task within " + PROBE_TIMEOUT_MS
                    + " ms");
        }
        return problems.isEmpty() ? Health.OK : Health.unhealthy(String.join("; ", problems));
    }

    /**
     * The same verdict asked over HTTP ({@code /live}): the HTTP server's event loop is the one answering, so it is
     * not probed (a probe from its own thread would wait on itself).
     */
    public static Health checkFromHttp(RaftNode raft, CorralStateMachine stateMachine, RpcServer rpc) {
        List<String> problems = problems(raft, stateMachine, rpc);
        return problems.isEmpty() ? Health.OK : Health.unhealthy(String.join("; ", problems));
    }

    private static List<String> problems(RaftNode raft, CorralStateMachine stateMachine, RpcServer rpc) {
        List<String> problems = new ArrayList<>();
        raftProblem(raft).ifPresent(problems::add);
        WriteHealth writes = raft.writeHealth();
        if (!writes.healthy()) {
            problems.add(writes.problem());
        }
        Throwable failure = stateMachine.failure();
        if (failure != null) {
            problems.add("the state machine failed: " + failure.getMessage());
        }
        if (rpc == null || !rpc.responsive(PROBE_TIMEOUT_MS)) {
            problems.add("the RPC server is closed or its event loops did not run a task within " + PROBE_TIMEOUT_MS
                    + " ms");
        }
        return problems;
    }

    private static Optional<String> raftProblem(RaftNode raft) {
        LifeCycle.State state;
        try {
            state = raft.info().getLifeCycleState();
        } catch (RuntimeException e) {
            return Optional.of("the Raft division is not running (" + e.getMessage() + ")");
        }
        return state == LifeCycle.State.RUNNING ? Optional.empty() : Optional.of("the Raft division is " + state);
    }
}
