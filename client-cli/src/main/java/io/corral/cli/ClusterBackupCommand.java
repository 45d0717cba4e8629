package io.corral.cli;

import io.corral.backup.BackupManifest;
import io.corral.client.BackupDownload;
import io.corral.client.CorralClient;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code corral cluster backup --out FILE}: a consistent backup of the whole replicated state, images included. The
 * file is {@code --out} because {@code -o} is the output format every command shares ({@code -o json}).
 */
@Command(
        name = "backup",
        description = {
            "Writes a backup of the cluster's whole state (jobs, tasks, locks, images) to FILE: a checkpoint of one"
                    + " member's state at one Raft index, taken after a linearizable barrier, so it holds every write"
                    + " acknowledged before the command started.",
            "The member is the coordinator the CLI reaches (--coordinators picks it). FILE is written as"
                    + " FILE.partial and renamed when complete. Restore with corral-coordinator restore"
                    + " (docs/operations.md, \"Backup and restore\")."
        },
        footer = {"%nExample:%n  corral cluster backup --out corral-$(date +%F).tar"})
final class ClusterBackupCommand extends BaseCommand {
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The backup file to write.")
    Path file;

    @Option(names = "--force", description = "Replace FILE if it exists.")
    boolean force;

    @Override
    void run(Output out) {
        if (Files.isDirectory(file)) {
            throw CliException.badInput(file + " is a directory; --out names the backup file");
        }
        if (!force && Files.exists(file)) {
            throw CliException.badInput(file + " exists; pass --force to replace it");
        }
        long startNanos = System.nanoTime();
        BackupDownload.Result result;
        try (CorralClient client = ClientSession.client(main().settings(0))) {
            result = BackupDownload.toFile(client, file, force);
        } catch (FileAlreadyExistsException e) {
            throw CliException.badInput(file + " exists; pass --force to replace it");
        } catch (IOException e) {
            throw new CliException("IO_ERROR", ExitCodes.FAILURE, "cannot write " + file + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw ClientSession.translate(e);
        }
        long durationMs = (System.nanoTime() - startNanos) / 1_000_000;
        print(out, result, durationMs);
    }

    private static void print(Output out, BackupDownload.Result result, long durationMs) {
        BackupManifest m = result.manifest();
        if (out.json()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("file", result.file().toString());
            body.put("clusterName", m.clusterName());
            body.put("member", m.sourceNodeId());
            body.put("term", m.term());
            body.put("index", m.index());
            body.put("createdAt", m.createdAt());
            body.put("files", m.files().size());
            body.put("bytes", result.bytes());
            body.put("durationMs", durationMs);
            out.printJson(body);
            return;
        }
        out.line("backup of cluster " + m.clusterName() + " at index " + m.index() + " (term " + m.term()
                + ") from member " + m.sourceNodeId());
        out.line("wrote " + result.file() + ": " + m.files().size() + " files, " + bytes(result.bytes()) + " in "
                + seconds(durationMs));
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
