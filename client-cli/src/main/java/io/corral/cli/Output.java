package io.corral.cli;

import io.corral.protocol.codec.Json;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything {@code corral} prints. Results go to stdout, as an aligned table or as one JSON document; errors go to
 * stderr as {@code corral: message}, and in JSON mode also to stdout as {@code {"error":{"code":..,"message":..}}} so a
 * script reading stdout always gets a JSON document.
 */
public final class Output {
    /** The two output modes of {@code --output}. */
    public enum Format {
        TABLE,
        JSON
    }

    private static final String GAP = "  ";

    private final PrintWriter out;
    private final PrintWriter err;
    private final Format format;

    public Output(PrintWriter out, PrintWriter err, Format format) {
        this.out = out;
        this.err = err;
        this.format = format;
    }

    public boolean json() {
        return format == Format.JSON;
    }

    /** Prints {@code value} (a record, map or list) as pretty JSON on stdout. */
    public void printJson(Object value) {
        out.println(toJson(value));
        out.flush();
    }

    /** Prints a line on stdout (table mode output). */
    public void line(String text) {
        out.println(text);
        out.flush();
    }

    public void table(List<String> headers, List<List<String>> rows) {
        out.print(renderTable(headers, rows));
        out.flush();
    }

    /** A block of "KEY  value" lines, keys aligned, for single objects such as a job or a lock. */
    public void fields(Map<String, String> fields) {
        List<List<String>> rows = new ArrayList<>();
        fields.forEach((k, v) -> rows.add(List.of(k, v == null ? "-" : v)));
        out.print(renderRows(rows));
        out.flush();
    }

    /** A note for the human at the terminal (stderr), never part of the result a script parses. */
    public void note(String message) {
        err.println("corral: " + message);
        err.flush();
    }

    /** Reports an error: always on stderr, and in JSON mode also as a JSON object on stdout. */
    public void error(String code, String message) {
        err.println("corral: " + message);
        err.flush();
        if (json()) {
            Map<String, String> body = new LinkedHashMap<>();
            body.put("code", code);
            body.put("message", message);
            printJson(Map.of("error", body));
        }
    }

    /** Aligned columns separated by two spaces; the header row in upper case; null or empty cells shown as '-'. */
    public static String renderTable(List<String> headers, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>(rows.size() + 1);
        all.add(headers);
        all.addAll(rows);
        return renderRows(all);
    }

    static String renderRows(List<List<String>> rows) {
        int columns = 0;
        for (List<String> row : rows) {
            columns = Math.max(columns, row.size());
        }
        int[] widths = new int[columns];
        List<List<String>> cleaned = new ArrayList<>(rows.size());
        for (List<String> row : rows) {
            List<String> cells = new ArrayList<>(row.size());
            for (int i = 0; i < row.size(); i++) {
                String cell = clean(row.get(i));
                cells.add(cell);
                widths[i] = Math.max(widths[i], cell.length());
            }
            cleaned.add(cells);
        }
        StringBuilder sb = new StringBuilder();
        for (List<String> row : cleaned) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(row.get(i));
                if (i < row.size() - 1) {
                    line.append(" ".repeat(widths[i] - row.get(i).length())).append(GAP);
                }
            }
            sb.append(line.toString().stripTrailing()).append(System.lineSeparator());
        }
        return sb.toString();
    }

    /** An instant as ISO-8601 UTC ({@code 2024-05-01T12:00:00.123Z}); 0 means "not yet" and prints as '-'. */
    public static String time(long epochMs) {
        return epochMs <= 0 ? "-" : Instant.ofEpochMilli(epochMs).toString();
    }

    /** Indented JSON with "\n" line ends, by the protocol's shared mapper, so views print as they travel. */
    public static String toJson(Object value) {
        return Json.pretty(value);
    }

    /** One line per cell: a newline or tab inside an error message would break the columns. */
    private static String clean(String cell) {
        if (cell == null || cell.isEmpty()) {
            return "-";
        }
        return cell.replaceAll("[\\r\\n\\t]+", " ");
    }
}
