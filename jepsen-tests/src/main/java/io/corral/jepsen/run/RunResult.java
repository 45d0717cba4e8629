package io.corral.jepsen.run;

import io.corral.jepsen.checker.Availability;
import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.history.History;
import io.corral.jepsen.nemesis.NemesisSchedule;
import java.nio.file.Path;
import java.util.List;

/**
 * What a run produced: the verdict with every checker's result, where the report is, what was injected, and the
 * availability figures (null when they were not measured).
 */
public record RunResult(
        RunSpec spec,
        Path dir,
        CheckResult verdict,
        List<NemesisSchedule.Period> faults,
        History history,
        Availability availability) {

    public RunResult(
            RunSpec spec, Path dir, CheckResult verdict, List<NemesisSchedule.Period> faults, History history) {
        this(spec, dir, verdict, faults, history, null);
    }
}
