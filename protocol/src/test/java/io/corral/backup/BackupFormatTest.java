package io.corral.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.backup.internal.Tar;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backup file layout: a round trip, and every way a damaged or foreign file is refused. */
class BackupFormatTest {
    @TempDir
    Path dir;

    private final Map<String, byte[]> files = sampleFiles();

    private static Map<String, byte[]> sampleFiles() {
        Map<String, byte[]> f = new LinkedHashMap<>();
        byte[] big = new byte[1_300_000];
        new Random(7).nextBytes(big);
        f.put("000012.sst", big);
        f.put("CURRENT", "MANIFEST-000005\n".getBytes(StandardCharsets.US_ASCII));
        f.put("LOCK", new byte[0]);
        f.put("OPTIONS-000007", new byte[512]);
        return f;
    }

    private Path write() throws IOException {
        List<BackupManifest.FileEntry> entries = new ArrayList<>();
        files.forEach((name, bytes) -> entries.add(new BackupManifest.FileEntry(name, bytes.length, null)));
        BackupManifest planned = BackupManifest.of(
                BackupManifest.KIND_BACKUP, "corral", "n2", 3, 4711, 1_767_225_600_000L, "0.1.0", entries);
        Path file = dir.resolve("backup.tar");
        try (BackupWriter w = BackupWriter.create(file, planned)) {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                try (OutputStream out = w.file(e.getKey())) {
                    // In pieces, as a download writes it.
                    byte[] b = e.getValue();
                    for (int i = 0; i < b.length; i += 100_000) {
                        out.write(b, i, Math.min(100_000, b.length - i));
                    }
                }
            }
            w.finish();
        }
        return file;
    }

    private Map<String, byte[]> read(Path file) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(file)) {
            BackupReader r = BackupReader.open(in);
            while (r.hasNextFile()) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                BackupManifest.FileEntry e = r.nextFile(bytes);
                out.put(e.name(), bytes.toByteArray());
            }
            r.finish();
        }
        return out;
    }

    @Test
    void whatIsWrittenReadsBackWithTheManifestFirstAndRealHashes() throws Exception {
        Path file = write();
        Map<String, byte[]> back = read(file);
        assertThat(back.keySet()).containsExactlyElementsOf(files.keySet());
        files.forEach((name, bytes) -> assertThat(back.get(name)).isEqualTo(bytes));

        try (InputStream in = Files.newInputStream(file)) {
            BackupManifest m = BackupReader.open(in).manifest();
            assertThat(m.format()).isEqualTo("corral-backup");
            assertThat(m.formatVersion()).isEqualTo(1);
            assertThat(m.clusterName()).isEqualTo("corral");
            assertThat(m.sourceNodeId()).isEqualTo("n2");
            assertThat(m.term()).isEqualTo(3);
            assertThat(m.index()).isEqualTo(4711);
            assertThat(m.createdAt()).isEqualTo("2026-01-01T00:00:00Z");
            assertThat(m.totalBytes()).isEqualTo(1_300_000 + 16 + 512);
            assertThat(m.files().get(0).sha256()).isEqualTo(sha256(files.get("000012.sst")));
        }
        // A plain tar: the first entry is the manifest, readable as text.
        byte[] head = Files.readAllBytes(file);
        assertThat(new String(head, 0, 18, StandardCharsets.US_ASCII)).isEqualTo("corral-backup.json");
        assertThat(new String(head, 257, 5, StandardCharsets.US_ASCII)).isEqualTo("ustar");
        assertThat(head.length % Tar.BLOCK_BYTES).isZero();
    }

    @Test
    void aChangedByteInAFileIsACorruptBackup() throws Exception {
        Path file = write();
        byte[] bytes = Files.readAllBytes(file);
        // Inside the first state file's content: after the manifest's header, content and the file's own header.
        int at = indexOf(bytes, "state/000012.sst") + Tar.BLOCK_BYTES + 1000;
        bytes[at] ^= 0x01;
        Files.write(file, bytes);
        assertThatThrownBy(() -> read(file))
                .isInstanceOf(BackupFormatException.class)
                .hasMessageContaining("corrupt")
                .hasMessageContaining("state/000012.sst has SHA-256");
    }

    @Test
    void aChangedByteInAHeaderIsACorruptBackup() throws Exception {
        Path file = write();
        byte[] bytes = Files.readAllBytes(file);
        bytes[indexOf(bytes, "state/CURRENT") + 3] ^= 0x01;
        Files.write(file, bytes);
        assertThatThrownBy(() -> read(file))
                .isInstanceOf(BackupFormatException.class)
                .hasMessageContaining("corrupt");
    }

    @Test
    void aTruncatedFileIsRefusedWhereverItIsCut() throws Exception {
        Path file = write();
        byte[] bytes = Files.readAllBytes(file);
        for (int length : new int[] {0, 100, 600, 800_000, bytes.length - 2 * Tar.BLOCK_BYTES, bytes.length - 1}) {
            Path cut = dir.resolve("cut-" + length + ".tar");
            Files.write(cut, java.util.Arrays.copyOf(bytes, length));
            assertThatThrownBy(() -> read(cut))
                    .as("cut at %d of %d bytes", length, bytes.length)
                    .isInstanceOf(BackupFormatException.class)
                    .hasMessageContaining("truncated");
        }
    }

    @Test
    void somethingThatIsNotABackupIsRefused() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello\n".repeat(200));
        assertThatThrownBy(() -> read(text))
                .isInstanceOf(BackupFormatException.class)
                .hasMessageContaining("not a Corral backup");

        // A tar whose first entry is something else.
        Path tar = dir.resolve("other.tar");
        try (OutputStream out = Files.newOutputStream(tar)) {
            out.write(Tar.header("README", 5, 0));
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[Tar.padding(5) + 2 * Tar.BLOCK_BYTES]);
        }
        assertThatThrownBy(() -> read(tar))
                .isInstanceOf(BackupFormatException.class)
                .hasMessageContaining("its first entry is 'README'");
    }

    @Test
    void anUnknownFormatVersionOrAForeignManifestIsRefused() throws Exception {
        assertThatThrownBy(() -> withManifest("{\"format\":\"corral-backup\",\"formatVersion\":2,\"files\":[]}"))
                .isInstanceOf(BackupFormatException.class)
                .hasMessageContaining("backup format version 2 is not supported");
        assertThatThrownBy(() -> withManifest("{\"format\":\"something-else\",\"formatVersion\":1}"))
                .isInstanceOf(BackupFormatException.class)
                .hasMessageContaining("not a Corral backup");
        assertThatThrownBy(() -> withManifest("{not json"))
                .isInstanceOf(BackupFormatException.class)
                .hasMessageContaining("not valid JSON");
        String badName = new String(
                BackupWriter.encode(BackupManifest.of(
                        "backup",
                        "corral",
                        null,
                        1,
                        5,
                        0,
                        "dev",
                        List.of(new BackupManifest.FileEntry("../escape", 1, "0".repeat(64))))),
                StandardCharsets.UTF_8);
        assertThatThrownBy(() -> withManifest(badName))
                .isInstanceOf(BackupFormatException.class)
                .hasMessageContaining("bad file name");
    }

    @Test
    void sizesFrom8GiBUpUseBase256() {
        long size = 9L << 30;
        byte[] header = Tar.header("state/000001.blob", size, 0);
        assertThat(Tar.parse(header)).isEqualTo(new Tar.Header("state/000001.blob", size));
        assertThat(Tar.parse(Tar.header("state/x", 8L * 1024 * 1024 * 1024 - 1, 0))
                        .size())
                .isEqualTo(8L * 1024 * 1024 * 1024 - 1);
    }

    private void withManifest(String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("manifest-only.tar");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(Tar.header(BackupManifest.ENTRY_NAME, body.length, 0));
            out.write(body);
            out.write(new byte[Tar.padding(body.length) + 2 * Tar.BLOCK_BYTES]);
        }
        read(file);
    }

    private static int indexOf(byte[] haystack, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i <= haystack.length - n.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (haystack[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError(needle + " not found");
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
