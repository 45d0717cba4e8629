package io.corral.jepsen.matrix;

import java.util.ArrayList;
import java.util.List;

/**
 * What one finished cell showed: a line of the state file, a row of the table.
 *
 * @param verdict VALID, INVALID or UNKNOWN
 * @param faults faults injected
 * @param slowestRecoveryMs the longest time from a heal to a client's first answered write, -1 when no client had to
 *     recover
 * @param notRecovered clients not answered within the bound after a heal (each one makes the run INVALID)
 * @param longestMs the longest stretch a client could not write, whatever the fault, -1 when none
 * @param quietShare the share of writes answered in quiet spells, -1 when there was none
 * @param ops what the clients did, e.g. {@code submit 1694 ok}
 * @param failures what failed, empty when valid
 * @param report the run's report directory
 */
public record Row(
        Cell cell,
        String verdict,
        int faults,
        long slowestRecoveryMs,
        int notRecovered,
        long longestMs,
        double quietShare,
        String ops,
        String failures,
        String report) {

    static final String SEP = "\t";

    /** One line of the state file: tab-separated, tabs and line breaks in text fields replaced by spaces. */
    String toLine() {
        return String.join(
                SEP,
                cell.group(),
                cell.workload(),
                Integer.toString(cell.nodes()),
                Long.toString(cell.seed()),
                verdict,
                Integer.toString(faults),
                Long.toString(slowestRecoveryMs),
                Integer.toString(notRecovered),
                Long.toString(longestMs),
                Double.toString(quietShare),
                clean(ops),
                clean(failures),
                clean(report));
    }

    static Row parse(String line) {
        String[] f = line.split(SEP, -1);
        if (f.length != 13) {
            throw new IllegalArgumentException("a matrix line has 13 tab-separated fields, this one " + f.length);
        }
        return new Row(
                new Cell(f[0], f[1], Integer.parseInt(f[2]), Long.parseLong(f[3])),
                f[4],
                Integer.parseInt(f[5]),
                Long.parseLong(f[6]),
                Integer.parseInt(f[7]),
                Long.parseLong(f[8]),
                Double.parseDouble(f[9]),
                f[10],
                f[11],
                f[12]);
    }

    static String clean(String s) {
        return s == null
                ? ""
                : s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ').strip();
    }

    /** The table row's cells, in {@link Table#HEADER}'s order. */
    List<String> cells() {
        List<String> c = new ArrayList<>();
        c.add(cell.group());
        c.add(cell.workload());
        c.add(Integer.toString(cell.nodes()));
        c.add(Long.toString(cell.seed()));
        c.add(verdict.equals("VALID") ? "VALID" : "**" + verdict + "**");
        c.add(Integer.toString(faults));
        c.add(slowestRecoveryMs < 0 ? "-" : String.format("%.1f s", slowestRecoveryMs / 1000.0));
        c.add(Integer.toString(notRecovered));
        c.add(longestMs < 0 ? "-" : String.format("%.1f s", longestMs / 1000.0));
        c.add(quietShare < 0 ? "-" : String.format("%.2f %%", 100 * quietShare));
        c.add(failures.isEmpty() ? ops : ops + "; " + failures);
        return c;
    }
}
