package io.corral.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobStateTest {

    /**
     * Each row: task counts as {@code STATE=n} pairs separated by spaces, whether the job was cancelled, and the
     * derived state.
     */
    @ParameterizedTest(name = "{0} cancelled={1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            PENDING=3                              | false | PENDING
            PENDING=3 SUCCEEDED=0                  | false | PENDING
            PENDING=2 LEASED=1                     | false | LEASED
            LEASED=3                               | false | LEASED
            PENDING=1 SUCCEEDED=2                  | false | LEASED
            PENDING=1 FAILED=1                     | false | LEASED
            LEASED=1 DEAD=1                        | false | LEASED
            SUCCEEDED=3                            | false | SUCCEEDED
            SUCCEEDED=3 PENDING=0 LEASED=0         | false | SUCCEEDED
            SUCCEEDED=2 FAILED=1                   | false | FAILED
            FAILED=3                               | false | FAILED
            SUCCEEDED=1 FAILED=1 DEAD=1            | false | DEAD
            DEAD=1                                 | false | DEAD
            SUCCEEDED=1 CANCELLED=2                | true  | CANCELLED
            CANCELLED=3                            | true  | CANCELLED
            SUCCEEDED=1 DEAD=1 CANCELLED=1         | true  | CANCELLED
            SUCCEEDED=1 FAILED=1 CANCELLED=1       | true  | CANCELLED
            LEASED=1 CANCELLED=2                   | true  | LEASED
            SUCCEEDED=2 CANCELLED=1                | false | CANCELLED
            """)
    void derivesTheJobStateFromTaskCounts(String counts, boolean cancelled, JobState expected) {
        assertThat(JobState.derive(parse(counts), cancelled)).isEqualTo(expected);
    }

    /** A job stays non-terminal while any task can still run, so "finished" never flickers. */
    @ParameterizedTest
    @CsvSource({"PENDING", "LEASED"})
    void aJobWithALiveTaskIsNotTerminal(TaskState live) {
        for (TaskState other : TaskState.values()) {
            for (boolean cancelled : new boolean[] {false, true}) {
                Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
                counts.put(other, 2);
                counts.merge(live, 1, Integer::sum);
                assertThat(JobState.derive(counts, cancelled).isTerminal())
                        .as(counts + " cancelled=" + cancelled)
                        .isFalse();
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"SUCCEEDED,true", "FAILED,true", "DEAD,true", "CANCELLED,true", "PENDING,false", "LEASED,false"})
    void terminalJobStates(JobState state, boolean terminal) {
        assertThat(state.isTerminal()).isEqualTo(terminal);
    }

    private static Map<TaskState, Integer> parse(String counts) {
        Map<TaskState, Integer> out = new EnumMap<>(TaskState.class);
        for (String pair : counts.strip().split("\\s+")) {
            String[] kv = pair.split("=");
            out.put(TaskState.valueOf(kv[0]), Integer.parseInt(kv[1]));
        }
        return out;
    }
}
