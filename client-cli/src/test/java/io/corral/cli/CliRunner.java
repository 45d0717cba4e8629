package io.corral.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import picocli.CommandLine;

/** Runs {@code corral} in-process with captured stdout and stderr, against a fake cluster. */
final class CliRunner {
    record Result(int exitCode, String out, String err) {}

    private CliRunner() {}

    static Result run(FakeCluster cluster, String... args) {
        return run(Map.of(Main.COORDINATORS_ENV, "fake:7000"), cluster, args);
    }

    static Result run(Map<String, String> env, ClusterSession.Factory sessions, String... args) {
        return run(env, sessions, JobWatch.Pacer.SYSTEM, args);
    }

    /** With time that moves only when the command pauses (commands that poll). */
    static Result run(FakeCluster cluster, JobWatch.Pacer pacer, String... args) {
        return run(Map.of(Main.COORDINATORS_ENV, "fake:7000"), cluster, pacer, args);
    }

    static Result run(Map<String, String> env, ClusterSession.Factory sessions, JobWatch.Pacer pacer, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(new Main(env, sessions, pacer, false));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
