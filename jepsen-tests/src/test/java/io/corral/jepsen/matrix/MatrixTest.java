package io.corral.jepsen.matrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The matrix's plan, its state file (what makes it resumable) and its table in the docs. */
class MatrixTest {
    @TempDir
    Path dir;

    static Row row(Cell c, String verdict) {
        return new Row(c, verdict, 17, 2_450, 0, 12_300, 0.9987, "submit 1694 ok", "", "/tmp/r");
    }

    @Test
    void partitionsGetSeveralSeedsTheOthersOneInAFixedOrder() {
        Plan p = new Plan(
                List.of("partition", "crash"), List.of("queue", "lock"), List.of(3, 5), List.of("partition"), 3, 100);
        List<Cell> cells = p.cells();
        assertThat(cells).hasSize(2 * 2 * 3 + 2 * 2);
        assertThat(cells.get(0)).isEqualTo(new Cell("partition", "queue", 3, 100));
        assertThat(cells.get(2)).isEqualTo(new Cell("partition", "queue", 3, 102));
        assertThat(cells.get(12)).isEqualTo(new Cell("crash", "queue", 3, 112));
        assertThat(cells.stream().map(Cell::seed).distinct()).hasSize(cells.size());
        assertThat(p.cells()).isEqualTo(cells);
    }

    @Test
    void aBadPlanIsRefused() {
        assertThatThrownBy(() -> new Plan(List.of("net"), List.of("queue"), List.of(4), List.of(), 1, 1))
                .hasMessageContaining("nodes must be 3 or 5");
        assertThatThrownBy(() -> new Plan(List.of("net"), List.of("jobs"), List.of(3), List.of(), 1, 1))
                .hasMessageContaining("workload");
    }

    @Test
    void aRowSurvivesItsLineWithTabsAndBreaksInTextMadeSpaces() {
        Row r = new Row(
                new Cell("disk", "lock", 5, 7),
                "INVALID",
                3,
                -1,
                2,
                40_000,
                -1,
                "acquire 3 ok",
                "queue\tlost 1\nx",
                "/r");
        Row back = Row.parse(r.toLine());
        assertThat(back.cell()).isEqualTo(r.cell());
        assertThat(back.failures()).isEqualTo("queue lost 1 x");
        assertThat(back.notRecovered()).isEqualTo(2);
        assertThat(back.quietShare()).isEqualTo(-1);
        assertThatThrownBy(() -> Row.parse("a\tb")).hasMessageContaining("13 tab-separated fields");
    }

    @Test
    void theStateResumesOnlyTheSameCommitAndLength() {
        StateFile s = new StateFile(dir.resolve("m/state.tsv"));
        assertThat(s.seedBaseOf("abc", 300)).isNull();
        s.start(StateFile.header("abc", 4242, 300));
        s.append(row(new Cell("net", "queue", 3, 4242), "VALID"));
        assertThat(s.seedBaseOf("abc", 300)).isEqualTo(4242);
        assertThat(s.seedBaseOf("abc", 60)).isNull();
        assertThat(s.seedBaseOf("def", 300)).isNull();
        assertThat(s.rows()).hasSize(1);
        s.start(StateFile.header("def", 1, 300));
        assertThat(s.rows()).isEmpty();
    }

    /**
     * The matrix writes its table into docs/jepsen.md after every run; that change must not make the tree "dirty",
     * or the next start sees another commit and begins again from nothing (it did: seven runs of a 36-run matrix
     * were thrown away on resume).
     */
    @Test
    void theTableItWritesDoesNotMakeTheTreeDirty() throws Exception {
        Path repo = dir.resolve("repo");
        java.nio.file.Files.createDirectories(repo.resolve("docs"));
        java.nio.file.Files.writeString(repo.resolve("docs/jepsen.md"), "# Jepsen\n");
        java.nio.file.Files.writeString(repo.resolve("README.md"), "readme\n");
        git(repo, "init", "-q");
        git(repo, "add", ".");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "c");
        String head = git(repo, "rev-parse", "--short=10", "HEAD").strip();

        java.nio.file.Files.writeString(repo.resolve("docs/jepsen.md"), "# Jepsen\ntable\n");
        assertThat(MatrixMain.commit(repo)).isEqualTo(head);

        java.nio.file.Files.writeString(repo.resolve("README.md"), "changed\n");
        assertThat(MatrixMain.commit(repo)).isEqualTo(head + "-dirty");
    }

    /** A state of another commit is not resumed, and not lost either: it is kept beside the new one. */
    @Test
    void aReplacedStateIsKeptAside() throws Exception {
        StateFile s = new StateFile(dir.resolve("k/state.tsv"));
        s.start(StateFile.header("abc", 4242, 300));
        s.append(row(new Cell("net", "queue", 3, 4242), "VALID"));

        s.start(StateFile.header("def", 1, 300));

        assertThat(s.rows()).isEmpty();
        assertThat(java.nio.file.Files.readString(dir.resolve("k/state.tsv.previous")))
                .startsWith(StateFile.header("abc", 4242, 300))
                .contains("net");
    }

    private static String git(Path repo, String... args) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of("git", "-C", repo.toString()));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    @Test
    void theTableReplacesItselfBetweenTheMarkersAndIsAppendedTheFirstTime() {
        String table = Table.render(
                "abc",
                "scripts/jepsen-matrix.sh --time 300",
                4,
                List.of(
                        row(new Cell("partition", "queue", 3, 1), "VALID"),
                        row(new Cell("partition", "queue", 3, 2), "INVALID")));
        assertThat(table)
                .contains("2 of 4 runs done, 1 VALID")
                .contains("| partition | queue | 3 | 1 | VALID | 17 | 2.5 s | 0 | 12.3 s | 99.87 % |")
                .contains("**INVALID**");
        String doc = "# Jepsen\n\nText.\n";
        String once = Table.splice(doc, table);
        assertThat(once).startsWith(doc).contains(Table.BEGIN).endsWith(Table.END + "\n");
        String twice = Table.splice(once + "After.\n", "new table\n");
        assertThat(twice)
                .contains(Table.BEGIN + "\nnew table\n" + Table.END)
                .doesNotContain("VALID")
                .endsWith("After.\n");
    }
}
