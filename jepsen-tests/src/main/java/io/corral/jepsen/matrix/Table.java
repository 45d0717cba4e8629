package io.corral.jepsen.matrix;

import java.util.List;

/** The matrix as a Markdown table, and its place in docs/jepsen.md between two marker lines. */
public final class Table {
    public static final String BEGIN = "<!-- jepsen-matrix:begin (written by scripts/jepsen-matrix.sh) -->";
    public static final String END = "<!-- jepsen-matrix:end -->";

    static final List<String> HEADER = List.of(
            "group",
            "workload",
            "nodes",
            "seed",
            "verdict",
            "faults",
            "slowest recovery after a heal",
            "not recovered",
            "longest unavailability",
            "quiet-spell writes answered",
            "operations");

    private Table() {}

    /**
     * The table with a line saying what it ran on.
     *
     * @param commit the commit the runs ran on ({@code -dirty} when the tree had changes)
     * @param command the command that made it
     * @param planned how many cells the plan has (the table may be partial while the matrix runs)
     */
    static String render(String commit, String command, int planned, List<Row> rows) {
        long valid = rows.stream().filter(r -> r.verdict().equals("VALID")).count();
        StringBuilder sb = new StringBuilder();
        sb.append("Commit `")
                .append(commit)
                .append("`, `")
                .append(command)
                .append("`: ")
                .append(rows.size())
                .append(" of ")
                .append(planned)
                .append(" runs done, ")
                .append(valid)
                .append(" VALID.\n\n");
        sb.append(line(HEADER)).append(line(HEADER.stream().map(h -> "---").toList()));
        for (Row r : rows) {
            sb.append(line(r.cells()));
        }
        return sb.toString();
    }

    private static String line(List<String> cells) {
        return "| "
                + String.join(
                        " | ", cells.stream().map(c -> c.replace("|", "\\|")).toList()) + " |\n";
    }

    /**
     * {@code doc} with the text between the markers replaced by {@code table}; the markers are appended at the end when
     * the document has none yet.
     */
    static String splice(String doc, String table) {
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        String block = BEGIN + "\n" + table + END;
        if (begin < 0 || end < begin) {
            return doc.endsWith("\n") ? doc + "\n" + block + "\n" : doc + "\n\n" + block + "\n";
        }
        return doc.substring(0, begin) + block + doc.substring(end + END.length());
    }
}
