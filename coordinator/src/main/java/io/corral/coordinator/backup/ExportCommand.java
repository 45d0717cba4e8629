package io.corral.coordinator.backup;

import io.corral.backup.BackupManifest;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code corral-coordinator export --dir DIR --out FILE}: a stopped member's state as a backup file (UNSAFE). */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "UNSAFE, for a cluster that lost a majority of its members for good: writes the state of the STOPPED"
                    + " member whose data directory is DIR into FILE, in the backup format, to restore a new cluster"
                    + " from (corral-coordinator restore).",
            "The file holds what this member had applied: writes the lost members acknowledged but this one had"
                    + " not applied are lost. Never start the old members with their old data afterwards. See"
                    + " docs/operations.md, \"Recovering from a lost majority (unsafe)\"."
        },
        footer = {"", "Exit codes: 0 exported, 1 refused or failed (FILE not written), 2 invalid flags."})
public final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "the stopped member's dataDir")
    Path dir;

    @Option(
            names = {"-o", "--out"},
            required = true,
            paramLabel = "FILE",
            description = "the file to write (FILE.partial until complete)")
    Path out;

    @Option(
            names = "--cluster-name",
            paramLabel = "NAME",
            defaultValue = "corral",
            description = "the member's clusterName (default: ${DEFAULT-VALUE}); checked against its Raft storage")
    String clusterName;

    @Option(names = "--node-id", paramLabel = "ID", description = "the member's id, recorded in the manifest")
    String nodeId;

    @Option(names = "--force", description = "replace FILE if it exists")
    boolean force;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Export.Result r = Export.run(dir, out, clusterName, nodeId, force, System::currentTimeMillis);
            BackupManifest m = r.manifest();
            stdout.printf(
                    "exported the state of %s (cluster %s) through Raft index %d (term %d): %d files, %d bytes, to %s%n",
                    dir, m.clusterName(), m.index(), m.term(), m.files().size(), m.totalBytes(), r.file());
            stdout.flush();
            err.println("corral-coordinator export: writes acknowledged by the lost members after index " + m.index()
                    + " are not in it; never start the old members with their old data again");
            err.flush();
            return 0;
        } catch (IOException e) {
            err.println("corral-coordinator export: " + e.getMessage());
            err.flush();
            return 1;
        }
    }
}
