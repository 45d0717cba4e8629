package io.corral.jepsen.report;

import static io.corral.jepsen.report.HtmlReport.esc;

import io.corral.jepsen.checker.Availability;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The report's availability section: the limits used, the quiet-spell share, the longest unavailability per fault
 * kind, and how soon each client was answered again after each heal. Text from the run is escaped.
 */
final class AvailabilityHtml {
    private AvailabilityHtml() {}

    static void render(StringBuilder h, Availability a) {
        h.append("<h2>Availability</h2>\n");
        if (a == null) {
            h.append("<p>Not measured.</p>\n");
            return;
        }
        h.append("<p>Every client's writes must be answered again within ")
                .append(s(a.recoveryBoundMs() / 1000.0))
                .append(" s of each heal, and at least ")
                .append(String.format(Locale.ROOT, "%.1f", a.quietSuccessMin() * 100))
                .append(" % of the writes in quiet spells (no fault, at least the bound since the last heal). ")
                .append("A refusal (a held lock, a stale token) is an answer; a timeout or UNAVAILABLE is not.</p>\n");
        summary(h, a);
        kinds(h, a.kinds());
        heals(h, a.heals());
    }

    private static void summary(StringBuilder h, Availability a) {
        Availability.Quiet q = a.quiet();
        h.append("<table><tr><th>quiet spells</th><td")
                .append(q.share() != null && q.share() < a.quietSuccessMin() ? " class=\"INVALID\">" : ">")
                .append(s(q.seconds()))
                .append(" s, ")
                .append(q.writes())
                .append(" writes, ")
                .append(q.answered())
                .append(" answered")
                .append(q.share() == null ? "" : String.format(Locale.ROOT, " (%.2f %%)", q.share() * 100))
                .append("</td></tr>\n<tr><th>longest unavailability</th><td>")
                .append(stretch(a.longest()))
                .append("</td></tr>\n");
        if (a.tasks() != null) {
            Availability.Tasks t = a.tasks();
            h.append("<tr><th>tasks</th><td")
                    .append(t.notTerminal().isEmpty() ? ">" : " class=\"INVALID\">")
                    .append(t.terminal())
                    .append(" of ")
                    .append(t.tasks())
                    .append(" terminal")
                    .append(t.notTerminal().isEmpty() ? "" : esc("; not terminal: " + t.notTerminal()))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void kinds(StringBuilder h, List<Availability.Kind> kinds) {
        h.append("<h3>Longest unavailability by fault kind</h3>\n<p>A client is unavailable from a write that went"
                + " unanswered (or was answered only after more than 1 s) to its next answered one; that stretch counts"
                + " under the kind of fault in place (or healed less than the bound before) when it began.</p>\n"
                + "<table><tr><th>kind</th><th>faults</th><th>in place s</th>"
                + "<th>stretches</th><th>longest</th></tr>");
        for (Availability.Kind k : kinds) {
            h.append("<tr><td>")
                    .append(esc(k.kind()))
                    .append("</td><td class=\"n\">")
                    .append(k.faults())
                    .append("</td><td class=\"n\">")
                    .append(s(k.faultSeconds()))
                    .append("</td><td class=\"n\">")
                    .append(k.stretches())
                    .append("</td><td>")
                    .append(stretch(k.longest()))
                    .append("</td></tr>");
        }
        h.append("</table>\n");
    }

    private static void heals(StringBuilder h, List<Availability.Heal> heals) {
        h.append("<h3>Recovery after each heal</h3>\n<p>Seconds from the heal to each client's first answered write."
                + " A window cut short by the next fault judges no client still unanswered: a later heal does.</p>\n");
        if (heals.isEmpty()) {
            h.append("<p>No heal: no fault was injected.</p>\n");
            return;
        }
        h.append("<table><tr><th>#</th><th>healed</th><th>at s</th><th>window s</th><th>cut by</th>"
                + "<th>recovered</th><th>not recovered</th><th>cut short</th><th>slowest s</th>"
                + "<th>client: first answer s</th></tr>");
        int i = 1;
        for (Availability.Heal heal : heals) {
            h.append("<tr><td class=\"n\">")
                    .append(i++)
                    .append("</td><td>")
                    .append(esc(heal.kind()))
                    .append("</td><td class=\"n\">")
                    .append(s(heal.healedAtSeconds()))
                    .append("</td><td class=\"n\">")
                    .append(s(heal.windowSeconds()))
                    .append("</td><td>")
                    .append(heal.cutBy() == null ? "" : esc(heal.cutBy()))
                    .append("</td><td class=\"n\">")
                    .append(heal.recovered())
                    .append(heal.notRecovered() > 0 ? "</td><td class=\"n INVALID\">" : "</td><td class=\"n\">")
                    .append(heal.notRecovered())
                    .append("</td><td class=\"n\">")
                    .append(heal.cutShort())
                    .append("</td><td class=\"n\">")
                    .append(heal.slowestRecoveryMs() == null ? "" : s(heal.slowestRecoveryMs() / 1000.0))
                    .append("</td><td>")
                    .append(clients(heal.clients()))
                    .append("</td></tr>");
        }
        h.append("</table>\n");
    }

    private static String clients(List<Availability.ClientRecovery> clients) {
        return clients.stream()
                .map(c -> {
                    String first = c.firstAnswerMs() == null ? "never" : s(c.firstAnswerMs() / 1000.0);
                    String text = esc(c.client() + ": " + first);
                    return switch (c.outcome()) {
                        case "not-recovered" -> "<span class=\"INVALID\">" + text + " (not recovered)</span>";
                        case "cut-short" -> text + " (cut short)";
                        default -> text;
                    };
                })
                .collect(Collectors.joining(", "));
    }

    private static String stretch(Availability.Stretch s) {
        if (s == null) {
            return "none: every write was answered";
        }
        return esc(s(s.durationMs() / 1000.0) + " s, " + s.client() + " from " + s(s.fromSeconds()) + " s to "
                + s(s.toSeconds()) + " s, " + s.unanswered() + " unanswered writes, "
                + (s.ended() ? "then answered" : "never answered again")
                + (s.lastError() == null ? "" : "; last error: " + s.lastError()));
    }

    /** Hundredths: a recovery of 50 ms must not read as 0. */
    private static String s(double seconds) {
        return String.format(Locale.ROOT, "%.2f", seconds);
    }
}
