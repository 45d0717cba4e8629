package io.corral.jepsen.checker;

import static io.corral.jepsen.checker.FinalStates.attempt;
import static io.corral.jepsen.checker.FinalStates.job;
import static io.corral.jepsen.checker.FinalStates.succeeded;
import static io.corral.jepsen.checker.FinalStates.task;
import static io.corral.jepsen.checker.HistoryBuilder.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.jepsen.checker.FinalAttempt.Outcome;
import io.corral.jepsen.history.OpType;
import io.corral.protocol.TaskState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hand-built histories of two client threads writing every 100 ms (each write takes 50 ms), with faults around them.
 * The recovery bound is 10 s throughout.
 */
class AvailabilityCheckerTest {
    private static final int CLIENTS = 2;
    private static final String UNAVAILABLE = "UNAVAILABLE: no leader";

    private final HistoryBuilder h = new HistoryBuilder();
    private final List<FaultPeriod> faults = new ArrayList<>();
    /** How many times each thread went on as a new process (after an INFO), as the workloads do. */
    private final int[] lives = new int[CLIENTS];

    private int writes;

    /** Client {@code c} writes every 100 ms in [fromS, toS), each write ending {@code type} 50 ms later. */
    private void writes(int c, double fromS, double toS, String f, OpType type, String error) {
        long toMs = Math.round(toS * 1000); // whole milliseconds: 1.9 * 1000 is not exactly 1900
        for (long ms = Math.round(fromS * 1000); ms < toMs; ms += 100) {
            int process = c + CLIENTS * lives[c];
            h.op(process, f, map("key", "k" + writes++), ms, type, Map.of(), ms + 50, error);
            if (type == OpType.INFO) {
                lives[c]++;
            }
        }
    }

    private void ok(int c, double fromS, double toS) {
        writes(c, fromS, toS, "submit", OpType.OK, null);
    }

    private void unavailable(int c, double fromS, double toS) {
        writes(c, fromS, toS, "submit", OpType.INFO, UNAVAILABLE);
    }

    private void fault(String kind, double fromS, double toS) {
        faults.add(new FaultPeriod(kind, nanos(fromS), nanos(toS)));
    }

    private Availability check(double finalHealS) {
        return check(finalHealS, null);
    }

    private Availability check(double finalHealS, List<FinalJob> jobs) {
        return new AvailabilityChecker(10_000, 0.99, CLIENTS)
                .check(h.build(), faults, finalHealS < 0 ? -1 : nanos(finalHealS), jobs);
    }

    private static long nanos(double seconds) {
        return Math.round(seconds * 1e9);
    }

    @Test
    void clientsAnsweredSoonAfterEveryHealAreValid() {
        fault("partition-leader", 10, 20);
        ok(0, 0, 10);
        unavailable(0, 10, 22);
        ok(0, 22, 45);
        ok(1, 0, 12);
        unavailable(1, 12, 14);
        ok(1, 14, 45);

        Availability a = check(30);

        assertThat(a.result().validity()).isEqualTo(Validity.VALID);
        assertThat(a.heals()).extracting(Availability.Heal::kind).containsExactly("partition-leader", "heal-all");
        Availability.Heal heal = a.heals().get(0);
        assertThat(heal.cutBy()).isNull();
        assertThat(heal.recovered()).isEqualTo(2);
        assertThat(heal.slowestRecoveryMs()).isEqualTo(2_050);
        assertThat(a.kinds()).hasSize(1);
        assertThat(a.kinds().get(0).longest().durationMs()).isEqualTo(12_050);
        assertThat(a.kinds().get(0).longest().client()).isEqualTo("client-0");
        assertThat(a.longest().ended()).isTrue();
        assertThat(a.quiet().share()).isEqualTo(1.0);
        assertThat(a.result().count("quiet-writes"))
                .isEqualTo(a.quiet().writes())
                .isPositive();
    }

    @Test
    void aClientWithNoAnswerWithinTheBoundAfterAHealIsInvalid() {
        // The next fault starts exactly at the bound, so the window is whole and nothing falls in a quiet spell:
        // only the recovery rule can see this client.
        fault("partition-leader", 10, 20);
        fault("kill", 30, 35);
        ok(0, 0, 10);
        unavailable(0, 10, 33);
        ok(0, 33, 65);
        ok(1, 0, 65);

        Availability a = check(50);

        assertThat(a.result().validity()).isEqualTo(Validity.INVALID);
        assertThat(a.result().count("not-recovered-within-bound")).isEqualTo(1);
        assertThat(a.result().count("quiet-writes-unanswered")).isZero();
        Map<String, Object> example =
                a.result().examplesOf("not-recovered-within-bound").get(0);
        assertThat(example)
                .containsEntry("client", "client-0")
                .containsEntry("healed", "partition-leader")
                .containsEntry("healedAtSeconds", 20.0)
                .containsEntry("firstAnswerAfterSeconds", 13.05)
                .containsEntry("lastError", UNAVAILABLE);
        assertThat(a.heals().get(0).clients())
                .extracting(Availability.ClientRecovery::outcome)
                .containsExactly("not-recovered", "recovered");
    }

    @Test
    void aFaultBeforeTheBoundCutsTheWindowAndTheNextHealJudges() {
        fault("partition-leader", 10, 20);
        fault("partition-one", 25, 30);
        ok(0, 0, 10);
        unavailable(0, 10, 33);
        ok(0, 33, 55);
        ok(1, 0, 55);

        Availability a = check(40);

        assertThat(a.result().validity()).isEqualTo(Validity.VALID);
        Availability.Heal first = a.heals().get(0);
        assertThat(first.cutBy()).isEqualTo("partition-one");
        assertThat(first.windowSeconds()).isEqualTo(5.0);
        assertThat(first.clients().get(0).outcome()).isEqualTo("cut-short");
        Availability.Heal second = a.heals().get(1);
        assertThat(second.clients().get(0).outcome()).isEqualTo("recovered");
        assertThat(second.clients().get(0).firstAnswerMs()).isEqualTo(3_050);
        assertThat(a.result().count("heals-cut-short")).isEqualTo(1);
    }

    @Test
    void aCutWindowDoesNotExcuseTheClientAtTheNextHeal() {
        fault("partition-leader", 10, 20);
        fault("partition-one", 25, 30);
        ok(0, 0, 10);
        unavailable(0, 10, 41);
        ok(0, 41, 55);
        ok(1, 0, 55);

        Availability a = check(45);

        assertThat(a.result().validity()).isEqualTo(Validity.INVALID);
        assertThat(a.result().examplesOf("not-recovered-within-bound"))
                .extracting(e -> e.get("healed"))
                .containsExactly("partition-one");
    }

    @Test
    void aHealWhileAnotherFaultIsInPlaceHasNoWindowOfItsOwn() {
        fault("partition-leader", 10, 20);
        fault("pause-worker", 15, 30);
        ok(0, 0, 10);
        unavailable(0, 10, 32);
        ok(0, 32, 55);
        ok(1, 0, 55);

        Availability a = check(45);

        assertThat(a.result().validity()).isEqualTo(Validity.VALID);
        assertThat(a.heals().get(0).windowSeconds()).isZero();
        assertThat(a.heals().get(0).cutBy()).isEqualTo("pause-worker");
    }

    @Test
    void theFinalHealIsJudgedAndAMemberStuckForGoodIsCaught() {
        // The shape of a member whose write path closed for good during a fault: its client never writes again,
        // while every write of the other client is answered. Every other checker would find this run valid.
        fault("partition-one", 10, 20);
        ok(0, 0, 15);
        unavailable(0, 15, 40);
        ok(1, 0, 40);

        Availability a = check(22);

        assertThat(a.result().validity()).isEqualTo(Validity.INVALID);
        Map<String, Object> finalHeal = a.result().examplesOf("not-recovered-within-bound").stream()
                .filter(e -> e.get("healed").equals("heal-all"))
                .findFirst()
                .orElseThrow();
        assertThat(finalHeal).containsEntry("client", "client-0").containsEntry("firstAnswerAfterSeconds", "never");
        assertThat(a.heals().get(0).cutBy()).isEqualTo("heal-all");
        assertThat(a.longest().ended()).isFalse();
        assertThat(a.longest().durationMs()).isEqualTo(24_950);
    }

    @Test
    void quietWritesBelowTheShareAreInvalid() {
        // No fault at all: the whole run is one quiet spell. 300 + 300 writes, 15 unanswered: 97.5 % < 99 %.
        ok(0, 0, 30);
        for (int second = 0; second < 30; second += 2) {
            ok(1, second, second + 1.9);
            writes(1, second + 1.9, second + 2, "submit", OpType.INFO, "TIMEOUT: no answer within 5000 ms");
        }

        Availability a = check(-1);

        assertThat(a.result().validity()).isEqualTo(Validity.INVALID);
        assertThat(a.quiet().writes()).isEqualTo(600);
        assertThat(a.quiet().share()).isEqualTo(0.975);
        assertThat(a.result().count("quiet-success-below-min")).isEqualTo(15);
        assertThat(a.result().examplesOf("quiet-success-below-min").get(0)).containsEntry("client", "client-1");
        assertThat(a.heals()).isEmpty();
        assertThat(a.kinds()).extracting(Availability.Kind::kind).containsExactly(AvailabilityChecker.NO_FAULT);
    }

    @Test
    void quietWritesAtTheShareAreValid() {
        ok(0, 0, 30);
        ok(1, 0, 29.9);
        writes(1, 29.9, 30, "submit", OpType.INFO, "TIMEOUT: no answer within 5000 ms");

        Availability a = check(-1);

        assertThat(a.quiet().share()).isGreaterThanOrEqualTo(0.99);
        assertThat(a.result().validity()).isEqualTo(Validity.VALID);
    }

    @Test
    void writesDuringAFaultOrWithinTheBoundAfterItsHealAreNotQuiet() {
        fault("partition-halves", 10, 20);
        ok(0, 0, 10);
        unavailable(0, 10, 25);
        ok(0, 25, 50);
        ok(1, 0, 50);

        Availability a = check(40);

        assertThat(a.result().validity()).isEqualTo(Validity.VALID);
        assertThat(a.quiet().share()).isEqualTo(1.0);
        // Quiet: [0, 10) and [30, 40); the final heal's bound covers the rest.
        assertThat(a.quiet().seconds()).isEqualTo(20.0);
    }

    @Test
    void refusalsAreAnswersAndTheHarnessOwnRegisterIsNotAWrite() {
        fault("partition-leader", 10, 20);
        writes(0, 0, 40, "acquire", OpType.FAIL, "LOCK_HELD: lock 'a' is held by p1 (token 3)");
        ok(1, 0, 10);
        writes(1, 10, 39, "write", OpType.FAIL, "stale token");
        ok(1, 39, 40);

        Availability a = check(25);

        assertThat(a.result().validity()).isEqualTo(Validity.VALID);
        assertThat(a.result().count("writes")).isEqualTo(400 + 100 + 10);
        assertThat(a.longest()).isNull();
    }

    @Test
    void everyTaskMustEndTerminal() {
        ok(0, 0, 10);
        ok(1, 0, 10);
        List<FinalJob> jobs = List.of(
                job("j1", "k1", succeeded("t1", "i1", attempt("w1", 5, Outcome.SUCCEEDED))),
                job("j2", "k2", task("t2", TaskState.LEASED)));

        Availability a = check(-1, jobs);

        assertThat(a.result().validity()).isEqualTo(Validity.INVALID);
        assertThat(a.tasks().tasks()).isEqualTo(2);
        assertThat(a.tasks().terminal()).isEqualTo(1);
        assertThat(a.tasks().notTerminal()).containsEntry("LEASED", 1L);
        assertThat(a.result().examplesOf("task-not-terminal").get(0))
                .containsEntry("task", "t2")
                .containsEntry("state", TaskState.LEASED);
        assertThat(check(-1, null).tasks()).isNull();
    }

    @Test
    void theLongestUnavailabilityIsCountedUnderTheKindItBeganUnder() {
        fault("partition-leader", 10, 15);
        fault("kill", 30, 35);
        ok(0, 0, 10);
        unavailable(0, 10, 13); // partition-leader: 3.05 s
        ok(0, 13, 31);
        unavailable(0, 31, 38); // kill: 7.05 s
        ok(0, 38, 70);
        ok(1, 0, 55);
        unavailable(1, 55, 56); // far from any fault: 1.05 s
        ok(1, 56, 70);

        Availability a = check(60);

        assertThat(a.kinds())
                .extracting(Availability.Kind::kind)
                .containsExactly("partition-leader", "kill", AvailabilityChecker.NO_FAULT);
        assertThat(a.kinds()).extracting(k -> k.longest().durationMs()).containsExactly(3_050L, 7_050L, 1_050L);
        assertThat(a.kinds().get(1).faultSeconds()).isEqualTo(5.0);
        assertThat(a.longest().durationMs()).isEqualTo(7_050);
        assertThat(a.result().count("longest-unavailable-ms")).isEqualTo(7_050);
    }

    @Test
    void aStretchThatLastsThroughLaterFaultsIsTheFirstOnes() {
        fault("partition-leader", 10, 15);
        fault("kill", 30, 35);
        ok(0, 0, 10);
        unavailable(0, 10, 40);
        ok(0, 40, 60);
        ok(1, 0, 60);

        Availability a = check(50);

        assertThat(a.kinds().get(0).longest().durationMs()).isEqualTo(30_050);
        assertThat(a.kinds().get(1).stretches()).isZero();
        assertThat(a.kinds().get(1).longest()).isNull();
    }

    @Test
    void aSlowAnswerIsUnavailabilityUntilItCame() {
        fault("partition-one", 10, 20);
        ok(0, 0, 10);
        h.op(0, "submit", map("key", "slow"), 10_000, OpType.OK, Map.of(), 21_000); // waited 11 s, then answered
        ok(0, 21, 40);
        ok(1, 0, 40);

        Availability a = check(30);

        assertThat(a.longest().durationMs()).isEqualTo(11_000);
        assertThat(a.longest().unanswered()).isZero();
        assertThat(a.longest().lastError()).isNull();
        assertThat(a.heals().get(0).clients().get(0).firstAnswerMs()).isEqualTo(1_000);
        assertThat(a.result().validity()).isEqualTo(Validity.VALID);
    }

    @Test
    void aMemberProbeIsAClientOfItsOwn() {
        // The workload's clients answered throughout (they moved away); the probe tied to n3 never was again.
        fault("partition-one", 10, 20);
        ok(0, 0, 40);
        ok(1, 0, 40);
        for (long ms = 0; ms < 40_000; ms += 500) {
            boolean stuck = ms >= 10_000;
            h.op(
                    1_000_000 + (stuck ? 1_000 * (int) (ms / 500) : 0),
                    "probe",
                    map("member", "n3", "lock", "jepsen-probe-n3"),
                    ms,
                    stuck ? OpType.INFO : OpType.OK,
                    Map.of(),
                    ms + 50,
                    stuck ? "UNAVAILABLE: this member's write path is closed" : null);
        }

        Availability a = check(22);

        assertThat(a.result().validity()).isEqualTo(Validity.INVALID);
        assertThat(a.result().examplesOf("not-recovered-within-bound"))
                .extracting(e -> e.get("client"))
                .containsOnly("probe-n3");
        assertThat(a.heals().get(1).clients())
                .extracting(Availability.ClientRecovery::client)
                .containsExactly("client-0", "client-1", "probe-n3");
    }

    @Test
    void aClientThatDoesNotWriteAfterAHealIsNotJudgedForIt() {
        fault("partition-one", 10, 20);
        ok(0, 0, 40);
        ok(1, 0, 12);

        Availability a = check(25);

        assertThat(a.heals().get(0).clients())
                .extracting(Availability.ClientRecovery::client)
                .containsExactly("client-0");
        assertThat(a.result().validity()).isEqualTo(Validity.VALID);
    }
}
