package io.corral.coordinator.backup;

import io.corral.backup.BackupManifest;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code corral-coordinator restore FILE --dir DIR}: a member's data directory from a backup; starts no server. */
@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        description = {
            "Makes DIR the data directory of one member of a NEW cluster, from a backup file (corral cluster backup,"
                    + " or corral-coordinator export). Checks the manifest and every file's SHA-256 first; a refused"
                    + " or failed restore writes nothing.",
            "Restore every member of the new cluster from the same file, then start them with the new cluster's"
                    + " configuration (its own peers and addresses) and this cluster name. See docs/operations.md,"
                    + " \"Backup and restore\"."
        },
        footer = {"", "Exit codes: 0 restored, 1 refused or failed (nothing written), 2 invalid flags."})
public final class RestoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the backup file")
    Path file;

    @Option(
            names = "--dir",
            required = true,
            paramLabel = "DIR",
            description = "the member's dataDir to create; must not exist or be empty")
    Path dir;

    @Option(
            names = "--cluster-name",
            paramLabel = "NAME",
            description = "the new cluster's clusterName (default: the backup's); the member must be started with it")
    String clusterName;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Restore.Result r = Restore.run(file, dir, clusterName);
            BackupManifest m = r.manifest();
            out.printf(
                    "restored %s of cluster %s (member %s, taken %s) into %s%n",
                    m.kind(),
                    m.clusterName(),
                    m.sourceNodeId() == null ? "unknown" : m.sourceNodeId(),
                    m.createdAt(),
                    r.dir());
            out.printf(
                    "state through Raft index %d (term %d): %d files, %d bytes; the log continues at index %d%n",
                    m.index(), m.term(), m.files().size(), m.totalBytes(), m.index() + 1);
            out.printf("start this member with clusterName: %s and dataDir: %s%n", r.clusterName(), r.dir());
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println("corral-coordinator restore: " + e.getMessage() + " (nothing was written to " + dir + ")");
            err.flush();
            return 1;
        }
    }
}
