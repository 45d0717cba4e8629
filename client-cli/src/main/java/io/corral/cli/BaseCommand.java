package io.corral.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every leaf command shares: the options of {@link Main}, the output, and a way to reach the cluster. A command
 * prints its result and returns normally, or throws; {@link Main} turns what it throws into a message and an exit code.
 */
abstract class BaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean helpRequested;

    /** What {@link #call()} returns once {@link #run} returns; a command whose outcome is not an error sets it. */
    int exitCode = ExitCodes.OK;

    @Override
    public final Integer call() throws Exception {
        run(output());
        return exitCode;
    }

    abstract void run(Output out) throws Exception;

    final Main main() {
        return (Main) spec.root().userObject();
    }

    final Output output() {
        return main().output(spec.commandLine());
    }

    final ClusterSession connect() {
        return main().connect(0);
    }

    /** A session for a command that writes: see {@link ClusterSession.Settings#towardLeader()}. */
    final ClusterSession connectTowardLeader() {
        return main().connectTowardLeader(0);
    }

    /** Follows a job on this session, drawing progress on stderr. */
    final JobWatch watch(ClusterSession session) {
        return new JobWatch(session, main().pacer(), spec.commandLine().getErr(), main().interactive());
    }
}
