package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

class HelpTest {

    /** Every command path in the tree ({@code [lock, acquire]}...), so a new command is covered without edits here. */
    static Stream<List<String>> commandPaths() {
        List<List<String>> paths = new ArrayList<>();
        collect(Main.commandLine(new Main(Map.of(), new FakeCluster())), new ArrayList<>(), paths);
        return paths.stream();
    }

    private static void collect(CommandLine cl, List<String> prefix, List<List<String>> out) {
        out.add(List.copyOf(prefix));
        cl.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                List<String> path = new ArrayList<>(prefix);
                path.add(name);
                collect(sub, path, out);
            }
        });
    }

    @Test
    void theTreeHasEveryCommandOfTheIssue() {
        assertThat(commandPaths().map(p -> String.join(" ", p)))
                .contains(
                        "submit",
                        "status",
                        "list",
                        "cancel",
                        "lock acquire",
                        "lock release",
                        "lock renew",
                        "lock list",
                        "lock show",
                        "cluster status",
                        "cluster snapshot",
                        "cluster transfer-leader",
                        "cluster backup",
                        "cluster add-peer",
                        "cluster remove-peer");
    }

    @ParameterizedTest
    @MethodSource("commandPaths")
    void helpOfEveryCommandExitsZeroAndPrintsUsage(List<String> path) {
        List<String> args = new ArrayList<>(path);
        args.add("--help");
        FakeCluster cluster = new FakeCluster();

        CliRunner.Result result = CliRunner.run(cluster, args.toArray(new String[0]));

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("Usage: corral" + (path.isEmpty() ? "" : " " + String.join(" ", path)));
        assertThat(result.out()).contains("--coordinators", "--output", "--timeout");
        assertThat(result.err()).isEmpty();
        assertThat(cluster.connections).isEmpty();
    }

    @Test
    void topLevelHelpDocumentsTheExitCodes() {
        CliRunner.Result result = CliRunner.run(new FakeCluster(), "--help");
        assertThat(result.out())
                .contains("Exit codes:", "3  not found", "4  cluster unavailable", "5  lock held", "6  stale")
                .contains("CORRAL_COORDINATORS");
    }

    @Test
    void submitHelpSaysWhyAKeyIsAlwaysSent() {
        CliRunner.Result result = CliRunner.run(new FakeCluster(), "submit", "--help");
        assertThat(result.out()).contains("--idempotency-key").contains("never create two jobs");
    }

    @Test
    void helpSubcommandWorksToo() {
        CliRunner.Result result = CliRunner.run(new FakeCluster(), "help", "lock");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("Usage: corral lock");
    }

    @Test
    void versionExitsZero() {
        CliRunner.Result result = CliRunner.run(new FakeCluster(), "--version");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("corral ").contains("protocol");
    }

    @Test
    void aGroupWithoutItsCommandIsAUsageErrorThatShowsTheCommands() {
        CliRunner.Result result = CliRunner.run(new FakeCluster(), "lock");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err())
                .startsWith("corral: missing command: expected one of acquire, release, renew, list, show")
                .contains("Usage: corral lock");
    }
}
