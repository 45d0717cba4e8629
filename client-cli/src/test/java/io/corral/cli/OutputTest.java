package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputTest {
    private static final String NL = System.lineSeparator();

    @Test
    void tableColumnsAreAlignedWithTwoSpacesAndNoTrailingBlanks() {
        String table = Output.renderTable(
                List.of("ID", "STATE", "ERROR"),
                List.of(List.of("t-1", "SUCCEEDED", "-"), List.of("task-10", "FAILED", "decode failed")));
        assertThat(table)
                .isEqualTo("ID       STATE      ERROR" + NL
                        + "t-1      SUCCEEDED  -" + NL
                        + "task-10  FAILED     decode failed" + NL);
    }

    @Test
    void emptyAndNullCellsShowAsDashAndLineBreaksAreFlattened() {
        String table =
                Output.renderTable(List.of("A", "B", "C"), List.of(Arrays.asList(null, "", "line one\nline two\tend")));
        assertThat(table).isEqualTo("A  B  C" + NL + "-  -  line one line two end" + NL);
    }

    @Test
    void tableWithoutRowsPrintsItsHeader() {
        assertThat(Output.renderTable(List.of("NAME", "OWNER"), List.of())).isEqualTo("NAME  OWNER" + NL);
    }

    @Test
    void timesAreIso8601UtcAndZeroIsNotYet() {
        assertThat(Output.time(1_714_564_800_123L)).isEqualTo("2024-05-01T12:00:00.123Z");
        assertThat(Output.time(0)).isEqualTo("-");
    }

    @Test
    void errorsGoToStderrAndInJsonModeAlsoToStdout() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        new Output(new PrintWriter(out), new PrintWriter(err), Output.Format.TABLE).error("NOT_FOUND", "no job x");
        assertThat(err.toString()).isEqualTo("corral: no job x" + NL);
        assertThat(out.toString()).isEmpty();

        out = new StringWriter();
        err = new StringWriter();
        new Output(new PrintWriter(out), new PrintWriter(err), Output.Format.JSON).error("NOT_FOUND", "no job x");
        assertThat(err.toString()).isEqualTo("corral: no job x" + NL);
        assertThat(out.toString().replaceAll("\\s", ""))
                .isEqualTo("{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"nojobx\"}}");
    }
}
