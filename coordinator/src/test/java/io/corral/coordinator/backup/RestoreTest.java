package io.corral.coordinator.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.backup.BackupFormatException;
import io.corral.backup.BackupManifest;
import io.corral.coordinator.Main;
import io.corral.coordinator.state.kv.Space;
import io.corral.coordinator.store.AppliedMark;
import io.corral.coordinator.store.RocksStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Export and restore on real RocksDB stores, without a cluster: the round trip, and every refusal, each of which must
 * leave nothing behind. The cluster tests ({@code BackupRestoreClusterTest}) start restored members.
 */
class RestoreTest {
    private static final byte[] KEY = "job-10".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private Path member;
    private byte[] value;

    /** A stopped member's data directory: a store through entry 10 of term 2, and the Raft storage of "corral". */
    @BeforeEach
    void stoppedMember() throws Exception {
        member = dir.resolve("member");
        value = new byte[300_000];
        new Random(3).nextBytes(value);
        try (RocksStore s = RocksStore.open(member.resolve("state"))) {
            s.apply(new AppliedMark(2, 10), txn -> {
                txn.put(Space.JOBS, KEY, value);
                return null;
            });
            // Chunk bytes of an entry the member had in its log but not applied: not part of any new cluster's log.
            s.stage(12, new byte[] {1, 2, 3});
        }
        RaftSeed.seed(member, "corral", 2);
    }

    private Path export() throws Exception {
        Path file = dir.resolve("export.tar");
        Export.run(member, file, "corral", "n1", false, () -> 1_767_225_600_000L);
        return file;
    }

    @Test
    void anExportRestoresIntoANewOrEmptyDirectoryWithTheRaftStorageOfTheClusterName() throws Exception {
        Path file = export();
        Restore.Result kept = Restore.run(file, dir.resolve("new"), null);
        assertThat(kept.clusterName()).isEqualTo("corral");
        assertThat(kept.manifest().kind()).isEqualTo(BackupManifest.KIND_EXPORT);
        assertThat(kept.manifest().sourceNodeId()).isEqualTo("n1");
        assertRestored(dir.resolve("new"), "corral");

        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThat(Restore.run(file, empty, "renamed").clusterName()).isEqualTo("renamed");
        assertRestored(empty, "renamed");
        assertThat(RaftSeed.groupDir(empty, "corral")).doesNotExist();
        assertThat(dir.resolve(".new.restore-partial")).doesNotExist();
    }

    private void assertRestored(Path restored, String clusterName) {
        assertThat(RaftSeed.groupDir(restored, clusterName).resolve("current").resolve("raft-meta"))
                .isRegularFile();
        try (RocksStore s = RocksStore.open(restored.resolve("state"))) {
            assertThat(s.applied()).isEqualTo(new AppliedMark(2, 10));
            assertThat(s.view().get(Space.JOBS, KEY)).isEqualTo(value);
            assertThat(s.staged(12)).isNull();
        }
    }

    @Test
    void aChangedByteIsRefusedAndNothingIsWritten() throws Exception {
        Path file = export();
        byte[] bytes = Files.readAllBytes(file);
        // Inside the 300 KB value's file, well after the manifest.
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(file, bytes);
        assertRefused(file, dir.resolve("r"), BackupFormatException.class, "SHA-256");
    }

    @Test
    void aTruncatedFileIsRefusedAndNothingIsWritten() throws Exception {
        Path file = export();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length * 2 / 3));
        assertRefused(file, dir.resolve("r"), BackupFormatException.class, "truncated");
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 512));
        assertRefused(file, dir.resolve("r"), BackupFormatException.class, "truncated");
    }

    @Test
    void aFileThatIsNotABackupOrOfAnUnknownVersionIsRefused() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.tar"), "hello\n".repeat(300));
        assertRefused(text, dir.resolve("r"), BackupFormatException.class, "not a Corral backup");

        Path file = export();
        rewrite(file, "\"formatVersion\" : 1", "\"formatVersion\" : 7");
        assertRefused(file, dir.resolve("r"), BackupFormatException.class, "backup format version 7 is not supported");
    }

    @Test
    void aManifestWhoseIndexDisagreesWithTheStoreIsRefused() throws Exception {
        Path file = export();
        rewrite(file, "\"index\" : 10", "\"index\" : 11");
        assertRefused(file, dir.resolve("r"), BackupFormatException.class, "its manifest says term 2 index 11");
    }

    @Test
    void aNonEmptyDirectoryIsRefusedAndLeftAsItWas() throws Exception {
        Path file = export();
        Path busy = Files.createDirectories(dir.resolve("busy"));
        Files.writeString(busy.resolve("keep.txt"), "mine");
        assertThatThrownBy(() -> Restore.run(file, busy, null))
                .isInstanceOf(BackupRefusedException.class)
                .hasMessageContaining("is not empty");
        assertThat(list(busy)).containsExactly("keep.txt");
        assertThat(Files.readString(busy.resolve("keep.txt"))).isEqualTo("mine");
    }

    @Test
    void exportRefusesARunningMemberAnotherClusterNameAMissingStoreAndAnExistingFile() throws Exception {
        Path out = dir.resolve("out.tar");
        try (RocksStore running = RocksStore.open(member.resolve("state"))) {
            assertThatThrownBy(() -> Export.run(member, out, "corral", null, false, () -> 0))
                    .isInstanceOf(BackupRefusedException.class)
                    .hasMessageContaining("is running");
        }
        assertThatThrownBy(() -> Export.run(member, out, "other", null, false, () -> 0))
                .isInstanceOf(BackupRefusedException.class)
                .hasMessageContaining("no Raft storage of cluster 'other'");
        assertThatThrownBy(() -> Export.run(dir.resolve("nothing"), out, "corral", null, false, () -> 0))
                .isInstanceOf(BackupRefusedException.class)
                .hasMessageContaining("no state store");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("out.tar.partial")).doesNotExist();

        Files.writeString(out, "an older file");
        assertThatThrownBy(() -> Export.run(member, out, "corral", null, false, () -> 0))
                .isInstanceOf(BackupRefusedException.class)
                .hasMessageContaining("--force");
        assertThat(Files.readString(out)).isEqualTo("an older file");
        Export.run(member, out, "corral", null, true, () -> 0);
        assertThat(Files.size(out)).isGreaterThan(300_000);
        assertThat(member.resolve("outgoing-checkpoints")).isEmptyDirectory();
    }

    @Test
    void theCommandsPrintWhatTheyDidAndExitNonZeroOnARefusal() throws Exception {
        Path file = dir.resolve("cmd.tar");
        Run export = run(
                "export",
                "--dir",
                member.toString(),
                "-o",
                file.toString(),
                "--cluster-name",
                "corral",
                "--node-id",
                "n1");
        assertThat(export.code).as(export.err).isZero();
        assertThat(export.out).contains("through Raft index 10 (term 2)");
        assertThat(export.err).contains("never start the old members");

        Run restore =
                run("restore", file.toString(), "--dir", dir.resolve("cmd").toString());
        assertThat(restore.code).as(restore.err).isZero();
        assertThat(restore.out).contains("state through Raft index 10 (term 2)", "continues at index 11", "corral");

        Run again = run("restore", file.toString(), "--dir", dir.resolve("cmd").toString());
        assertThat(again.code).isEqualTo(1);
        assertThat(again.err).contains("is not empty", "nothing was written");
    }

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private void assertRefused(Path file, Path target, Class<? extends Exception> type, String message) {
        assertThatThrownBy(() -> Restore.run(file, target, null))
                .isInstanceOf(type)
                .hasMessageContaining(message);
        assertThat(target).doesNotExist();
        assertThat(target.resolveSibling("." + target.getFileName() + ".restore-partial"))
                .doesNotExist();
    }

    /** Replaces text in the manifest by text of the same length, so the archive stays well formed. */
    private static void rewrite(Path file, String from, String to) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        String head = new String(bytes, 0, 4096, StandardCharsets.ISO_8859_1);
        int at = head.indexOf(from);
        assertThat(at).as("'%s' in the manifest", from).isPositive();
        System.arraycopy(to.getBytes(StandardCharsets.ISO_8859_1), 0, bytes, at, to.length());
        Files.write(file, bytes);
    }

    private static java.util.List<String> list(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
