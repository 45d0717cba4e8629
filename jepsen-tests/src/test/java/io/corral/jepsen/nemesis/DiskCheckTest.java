package io.corral.jepsen.nemesis;

import static io.corral.jepsen.nemesis.MembershipCheckTest.period;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.checker.Validity;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DiskCheckTest {
    static Map<String, Object> healthy() {
        Map<String, Object> d = new HashMap<>();
        d.put("node", "n2");
        d.put("processRunning", true);
        d.put("committedWhileFull", true);
        d.put("noSpaceLogLines", 12L);
        d.put("recovered", true);
        d.put("recoveryMs", 1_800L);
        d.put("health", "503 the Raft log cannot be written");
        return d;
    }

    @Test
    void aMemberThatSurvivesSaysWhyAndRecoversIsValid() {
        CheckResult r = DiskCheck.judge(List.of(period("disk-full", healthy())));
        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("slowest-recovery-ms")).isEqualTo(1_800);
        assertThat(r.examplesOf("health-while-full")).hasSize(1);
    }

    @Test
    void aCrashANoCommitOrNoRecoveryIsInvalid() {
        for (String key : List.of("processRunning", "committedWhileFull", "recovered")) {
            Map<String, Object> d = healthy();
            d.put(key, false);
            assertThat(DiskCheck.judge(List.of(period("disk-full-leader", d))).validity())
                    .as(key)
                    .isEqualTo(Validity.INVALID);
        }
    }

    @Test
    void aMemberThatAskedToBeRestartedAndRecoveredAfterTheRestartIsValid() {
        Map<String, Object> d = healthy();
        d.put("recovered", false);
        d.put("liveWhenStuck", "503 restart n2: the state machine failed: writing the Raft log ... No space left");
        d.put("recoveredAfterRestart", true);
        d.put("recoveryMsAfterRestart", 4_200L);
        CheckResult r = DiskCheck.judge(List.of(period("disk-full", d)));
        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("restarts-asked")).isEqualTo(1);
        assertThat(r.count("slowest-recovery-ms")).isEqualTo(4_200);
    }

    @Test
    void aMemberStuckWithoutAskingToBeRestartedIsInvalidEvenIfTheRestartMendedIt() {
        Map<String, Object> d = healthy();
        d.put("recovered", false);
        d.put("liveWhenStuck", "200 alive: n2");
        d.put("recoveredAfterRestart", true);
        CheckResult r = DiskCheck.judge(List.of(period("disk-full", d)));
        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("stuck-without-asking")).isEqualTo(1);
    }

    @Test
    void aMemberThatDoesNotRecoverEvenAfterTheRestartItAskedForIsInvalid() {
        Map<String, Object> d = healthy();
        d.put("recovered", false);
        d.put("liveWhenStuck", "503 restart n2: ...");
        d.put("recoveredAfterRestart", false);
        CheckResult r = DiskCheck.judge(List.of(period("disk-full", d)));
        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("not-recovered")).isEqualTo(1);
    }

    @Test
    void noLoggedErrorIsReportedNotInvalid() {
        Map<String, Object> d = healthy();
        d.put("noSpaceLogLines", 0L);
        CheckResult r = DiskCheck.judge(List.of(period("disk-full", d)));
        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("no-error-logged")).isEqualTo(1);
    }
}
