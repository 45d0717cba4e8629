package io.corral.jepsen.checker;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.SortedMap;

/**
 * What the {@link AvailabilityChecker} measured, in the units a reader wants ({@code ...Seconds} since the start of
 * the run, to the millisecond; {@code ...Ms} durations), for {@code results.json} and the HTML report; and its
 * verdict ({@link #result()}, which goes into the run's checker tree).
 *
 * @param recoveryBoundMs how soon after a heal every client's writes must be answered again
 * @param quietSuccessMin the least share of answered writes in quiet spells
 * @param heals every heal in time order (each fault's, then the final heal of everything), with each client's recovery
 * @param kinds per fault kind (and {@link AvailabilityChecker#NO_FAULT} for unavailability near no fault), the longest
 *     unavailability of any client
 * @param longest the longest unavailability of the run, null when every write was answered
 * @param quiet the writes of the quiet spells
 * @param tasks the queue's tasks after the settle, null when the run had no queue workload
 */
@JsonPropertyOrder({"recoveryBoundMs", "quietSuccessMin", "quiet", "tasks", "longest", "kinds", "heals"})
public record Availability(
        long recoveryBoundMs,
        double quietSuccessMin,
        List<Heal> heals,
        List<Kind> kinds,
        Stretch longest,
        Quiet quiet,
        Tasks tasks,
        @JsonIgnore CheckResult result) {

    public Availability {
        heals = List.copyOf(heals);
        kinds = List.copyOf(kinds);
    }

    /**
     * One heal and how the clients came back from it.
     *
     * @param kind the fault that was healed, or {@link AvailabilityChecker#FINAL_HEAL}
     * @param windowSeconds how long the recovery window lasted: the bound, or less when {@code cutBy} ended it
     * @param cutBy what ended the window before the bound (the next fault's kind, the final heal, the end of the
     *     history), null when it lasted the whole bound
     * @param slowestRecoveryMs the longest time from the heal to a client's first answered write, among the clients that
     *     recovered in the window; null when none did
     * @param clients every client that wrote during the window
     */
    public record Heal(
            String kind,
            double healedAtSeconds,
            double windowSeconds,
            String cutBy,
            int recovered,
            int notRecovered,
            int cutShort,
            Long slowestRecoveryMs,
            List<ClientRecovery> clients) {
        public Heal {
            clients = List.copyOf(clients);
        }
    }

    /**
     * One client after one heal.
     *
     * @param client {@code client-T} for workload thread {@code T} (processes {@code T}, {@code T + clients}, ... are its
     *     successive lives), {@code probe-MEMBER} for a member's probe
     * @param outcome {@code recovered} (answered within the window), {@code not-recovered} (no answer within a window
     *     that lasted the whole bound: a failure), {@code cut-short} (no answer before the next fault cut the window:
     *     not judged here)
     * @param firstAnswerMs from the heal to the client's first answered write, null when it never got one
     */
    public record ClientRecovery(String client, String outcome, Long firstAnswerMs) {}

    /**
     * The longest unavailability that began under one fault kind: a stretch is counted under every kind whose fault
     * was in place, or healed less than the bound before, during the stretch's first unanswered write; under {@link
     * AvailabilityChecker#NO_FAULT} when there was none.
     *
     * @param faults how many faults of this kind were injected (0 for {@link AvailabilityChecker#NO_FAULT})
     * @param faultSeconds how long they lasted together
     * @param stretches unavailability stretches counted under the kind
     * @param longest the longest of them, null when none
     */
    public record Kind(String kind, int faults, double faultSeconds, int stretches, Stretch longest) {}

    /**
     * One client unable to write: from the invocation of a write that went unanswered (or was answered only after
     * {@link AvailabilityChecker#SLOW_ANSWER_MS}) to the completion of its next answered one.
     *
     * @param unanswered the unanswered writes of the stretch (0 when it was one slow answer)
     * @param ended whether an answer ended it; false when the client never got one again
     * @param lastError the error of the stretch's last unanswered write, null when there was none
     */
    public record Stretch(
            String client,
            double fromSeconds,
            double toSeconds,
            long durationMs,
            int unanswered,
            boolean ended,
            String lastError) {}

    /**
     * The writes made in quiet spells: no fault in place, and at least the recovery bound since the last heal. A write
     * counts when it started and ended within one quiet spell.
     *
     * @param seconds how long the quiet spells lasted together
     * @param share answered / writes, null when there was no quiet write
     */
    public record Quiet(double seconds, long writes, long answered, Double share) {}

    /**
     * The queue's tasks as read after the settle.
     *
     * @param notTerminal state → tasks in it, for the tasks that did not end in a terminal state
     */
    public record Tasks(long tasks, long terminal, SortedMap<String, Long> notTerminal) {}
}
