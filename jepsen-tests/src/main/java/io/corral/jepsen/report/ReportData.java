package io.corral.jepsen.report;

import io.corral.jepsen.history.Op;
import io.corral.jepsen.nemesis.NemesisSchedule;
import io.corral.jepsen.run.RunResult;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * What the report's parts share, computed once from the history.
 *
 * @param completions the client operations, paired
 * @param counts f → ok/fail/info → completions
 * @param latencies f → latency percentiles of the ok completions
 * @param spanNanos how long the run lasted in history time: its last entry or the end of its last fault
 */
record ReportData(
        List<Latencies.Completion> completions,
        SortedMap<String, Map<String, Long>> counts,
        SortedMap<String, Latencies.Summary> latencies,
        long spanNanos) {

    static ReportData of(RunResult result) {
        List<Op> ops = result.history().ops();
        List<Latencies.Completion> completions = Latencies.pair(ops);
        long span = 0;
        for (Op op : ops) {
            span = Math.max(span, op.timeNanos());
        }
        for (NemesisSchedule.Period p : result.faults()) {
            span = Math.max(span, p.endNanos());
        }
        return new ReportData(completions, OpCounts.byF(ops), Latencies.okSummaries(completions), span);
    }
}
