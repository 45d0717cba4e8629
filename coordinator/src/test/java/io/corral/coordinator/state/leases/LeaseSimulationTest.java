package io.corral.coordinator.state.leases;

import static io.corral.coordinator.state.leases.LeaseTestSupport.BASE_MS;
import static io.corral.coordinator.state.leases.LeaseTestSupport.CAP_MS;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.Applied;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.Event;
import io.corral.coordinator.state.LeaseResult;
import io.corral.coordinator.state.jobs.JobKeys;
import io.corral.coordinator.state.jobs.JobQueries;
import io.corral.coordinator.state.jobs.TaskRecord;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random worker traffic against a small model of who holds which lease: grants, heartbeats, completions and
 * failures with current and stale tokens (workers are never told that a lease was expired or revoked, as a paused
 * worker would not be), releases, the leader's expiries, failover grace, cancels and retries. It checks after every
 * entry that a completion is accepted exactly when the model says its token is current, that SUCCEEDED and CANCELLED
 * are final, that grant tokens of a task strictly increase, and at the end that each succeeded task has exactly one
 * accepted result, the one stored. Invariants are checked by the harness after every entry. A failure names the seed.
 */
class LeaseSimulationTest {
    private static final int STEPS = 1_500;
    private static final String[] WORKERS = {"w0", "w1", "w2"};

    private record Held(long token, String worker, long expiresAtMs) {}

    private final Map<String, Held> current = new HashMap<>();
    private final Map<String, List<Long>> believed = new HashMap<>(); // "worker|task" -> tokens it thinks it holds
    private final Map<String, Long> lastToken = new HashMap<>();
    private final Map<String, List<Long>> acceptedResults = new HashMap<>();
    private final Map<String, TaskState> finalStates = new HashMap<>();
    private final List<Long> jobs = new ArrayList<>();
    private int staleRefused;
    private int expiries;
    private CoreHarness h;
    private Random random;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 17, 42, 1234, 99_999})
    void randomWorkerTrafficKeepsTheLeasePromises(long seed) {
        random = new Random(seed);
        h = new CoreHarness();
        for (int step = 0; step < STEPS; step++) {
            h.advance(random.nextInt(3_000));
            String worker = WORKERS[random.nextInt(WORKERS.length)];
            int roll = random.nextInt(100);
            if (roll < 6 || jobs.isEmpty()) {
                jobs.add(LeaseTestSupport.submit(h, random.nextInt(3), 1 + random.nextInt(4), 1 + random.nextInt(3)));
            } else if (roll < 25) {
                grant(worker);
            } else if (roll < 40) {
                heartbeat(worker);
            } else if (roll < 55) {
                finish(worker);
            } else if (roll < 65) {
                housekeeping();
            } else if (roll < 68) {
                cancel();
            } else if (roll < 73) {
                retry();
            } else if (roll < 76) {
                release(worker);
            } else if (roll < 78) {
                failover();
            }
            checkFinalStates(seed);
        }
        for (Map.Entry<String, TaskState> e : finalStates.entrySet()) {
            List<Long> results = acceptedResults.getOrDefault(e.getKey(), List.of());
            if (e.getValue() == TaskState.SUCCEEDED) {
                assertThat(results)
                        .as("seed %d: results of %s", seed, e.getKey())
                        .hasSize(1);
                assertThat(task(e.getKey()).result().token()).isEqualTo(results.get(0));
            } else {
                assertThat(results)
                        .as("seed %d: results of %s", seed, e.getKey())
                        .isEmpty();
            }
        }
        assertThat(finalStates).as("seed %d: some task should succeed", seed).containsValue(TaskState.SUCCEEDED);
        assertThat(staleRefused).as("seed %d: stale completions tried", seed).isPositive();
        assertThat(expiries).as("seed %d: expiries", seed).isPositive();
    }

    private void grant(String worker) {
        for (LeaseResult.Grant g : LeaseTestSupport.lease(h, worker, 1 + random.nextInt(3))) {
            Long previous = lastToken.put(g.taskId(), g.token());
            assertThat(previous == null || g.token() > previous)
                    .as("token order of %s", g.taskId())
                    .isTrue();
            assertThat(current).doesNotContainKey(g.taskId());
            current.put(g.taskId(), new Held(g.token(), worker, g.expiresAtMs()));
            believed.computeIfAbsent(worker + "|" + g.taskId(), k -> new ArrayList<>())
                    .add(g.token());
        }
    }

    /** A lease this worker believes it holds (possibly long stale), or null. */
    private Command.LeaseRef pick(String worker) {
        List<Command.LeaseRef> mine = new ArrayList<>();
        believed.forEach((key, tokens) -> {
            if (key.startsWith(worker + "|")) {
                tokens.forEach(t -> mine.add(new Command.LeaseRef(key.substring(worker.length() + 1), t)));
            }
        });
        return mine.isEmpty() ? null : mine.get(random.nextInt(mine.size()));
    }

    private boolean isCurrent(Command.LeaseRef ref, String worker) {
        Held held = current.get(ref.taskId());
        return held != null
                && held.token() == ref.token()
                && held.worker().equals(worker)
                && held.expiresAtMs() > h.nowMs();
    }

    private void forget(String worker, Command.LeaseRef ref) {
        List<Long> tokens = believed.get(worker + "|" + ref.taskId());
        if (tokens != null) {
            tokens.remove(ref.token());
        }
    }

    private void heartbeat(String worker) {
        Command.LeaseRef ref = pick(worker);
        if (ref == null) {
            return;
        }
        boolean expected = isCurrent(ref, worker);
        LeaseResult.Leases answer = LeaseTestSupport.extend(h, worker, LeaseTestSupport.TTL_MS, ref);
        assertThat(answer.accepted().size()).as("heartbeat of %s", ref).isEqualTo(expected ? 1 : 0);
        if (expected) {
            Held held = current.get(ref.taskId());
            current.put(
                    ref.taskId(),
                    new Held(held.token(), worker, answer.accepted().get(0).expiresAtMs()));
        } else {
            forget(worker, ref);
        }
    }

    private void finish(String worker) {
        Command.LeaseRef ref = pick(worker);
        if (ref == null) {
            return;
        }
        boolean expected = isCurrent(ref, worker);
        int kind = random.nextInt(4);
        Command command;
        if (kind < 2) {
            byte[] bytes = CoreHarness.png(80, random.nextInt(1_000));
            String sha = h.upload(bytes);
            command = new Command.CompleteTask(worker, ref.taskId(), ref.token(), sha, bytes.length);
        } else {
            command = new Command.FailTask(worker, ref.taskId(), ref.token(), "oops", kind == 3, BASE_MS, CAP_MS);
        }
        Response reply = h.reply(command);
        if (expected) {
            assertThat(reply).as("%s with current token", command).isEqualTo(new Response.Ack());
            current.remove(ref.taskId());
            if (kind < 2) {
                acceptedResults
                        .computeIfAbsent(ref.taskId(), k -> new ArrayList<>())
                        .add(ref.token());
            }
        } else {
            assertThat(reply).as("%s with stale token", command).isInstanceOf(Response.ErrorReply.class);
            assertThat(((Response.ErrorReply) reply).code()).isEqualTo(ErrorCode.STALE_LEASE);
            assertThat(h.lastWrites()).isZero();
            staleRefused++;
        }
        forget(worker, ref);
    }

    private void housekeeping() {
        for (Command c : h.core.dueLeaseCommands(h.nowMs(), h.kv, 5, BASE_MS, CAP_MS)) {
            Command.ExpireLease e = (Command.ExpireLease) c;
            Held held = current.get(e.taskId());
            assertThat(held).isNotNull();
            assertThat(held.expiresAtMs()).isLessThanOrEqualTo(h.nowMs());
            LeaseResult.Expired r = (LeaseResult.Expired) h.apply(c).result();
            assertThat(r.applied()).isTrue();
            current.remove(e.taskId());
            expiries++;
        }
    }

    private void cancel() {
        long seq = jobs.get(random.nextInt(jobs.size()));
        Applied applied = h.apply(new Command.CancelJob(JobKeys.jobId(seq)));
        for (Event event : applied.events()) {
            Event.LeaseRevoked revoked = (Event.LeaseRevoked) event;
            Held held = current.remove(revoked.taskId());
            assertThat(held).as("revoked %s", revoked).isNotNull();
            assertThat(held.token()).isEqualTo(revoked.token());
            assertThat(held.worker()).isEqualTo(revoked.workerId());
        }
    }

    private void retry() {
        long seq = jobs.get(random.nextInt(jobs.size()));
        h.apply(new Command.RetryTasks(JobKeys.jobId(seq)));
    }

    private void release(String worker) {
        Command.LeaseRef ref = pick(worker);
        if (ref == null) {
            return;
        }
        boolean expected = isCurrent(ref, worker);
        LeaseResult.Leases answer = (LeaseResult.Leases)
                h.apply(new Command.ReleaseLeases(worker, List.of(ref))).result();
        assertThat(answer.accepted().size()).isEqualTo(expected ? 1 : 0);
        if (expected) {
            current.remove(ref.taskId());
        }
        forget(worker, ref);
    }

    private void failover() {
        long grace = 5_000 + random.nextInt(20_000);
        h.apply(new Command.ExtendAllLeases(grace));
        long until = h.nowMs() + grace;
        current.replaceAll((id, held) -> new Held(held.token(), held.worker(), Math.max(held.expiresAtMs(), until)));
    }

    /** SUCCEEDED and CANCELLED never change again; FAILED and DEAD change only through a retry (to PENDING). */
    private void checkFinalStates(long seed) {
        for (long seq : jobs) {
            for (TaskRecord t : JobQueries.tasks(h.kv, seq)) {
                TaskState before = finalStates.get(t.id());
                if (before == TaskState.SUCCEEDED || before == TaskState.CANCELLED) {
                    assertThat(t.state())
                            .as("seed %d: %s after %s", seed, t.id(), before)
                            .isEqualTo(before);
                }
                if (t.state().isTerminal()) {
                    finalStates.put(t.id(), t.state());
                } else {
                    finalStates.remove(t.id());
                    assertThat(t.state() == TaskState.LEASED).isEqualTo(current.containsKey(t.id()));
                }
            }
        }
    }

    private TaskRecord task(String id) {
        return LeaseTestSupport.task(h, id);
    }
}
