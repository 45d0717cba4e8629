package io.corral.cli;

import io.corral.protocol.Limits;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code corral}, the command line of a Corral cluster. The options declared here are inherited by every subcommand,
 * so they may be written before or after it ({@code corral -o json status J} and {@code corral status J -o json}).
 */
@Command(
        name = "corral",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description =
                "Submits image jobs to a Corral cluster, inspects them and its workers, and manages its locks and members.",
        subcommands = {
            SubmitCommand.class,
            JobCommands.Status.class,
            JobCommands.ListJobs.class,
            JobCommands.Cancel.class,
            JobCommands.Watch.class,
            ResultsCommand.class,
            JobCommands.Retry.class,
            WorkersCommand.class,
            LockCommands.class,
            BenchCommands.class,
            ClusterCommands.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "%nCoordinators come from --coordinators or the CORRAL_COORDINATORS environment variable; TLS and the"
                    + " token from --tls-ca, --tls-cert, --tls-key, --token-file (or --auth-token) or CORRAL_TLS_CA, CORRAL_TLS_CERT,"
                    + " CORRAL_TLS_KEY, CORRAL_TOKEN, CORRAL_TOKEN_FILE.",
            ExitCodes.FOOTER
        })
public final class Main implements Callable<Integer> {
    static final String COORDINATORS_ENV = "CORRAL_COORDINATORS";
    static final String TLS_CA_ENV = "CORRAL_TLS_CA";
    static final String TLS_CERT_ENV = "CORRAL_TLS_CERT";
    static final String TLS_KEY_ENV = "CORRAL_TLS_KEY";
    static final String TLS_SERVER_NAME_ENV = "CORRAL_TLS_SERVER_NAME";
    static final String TOKEN_ENV = "CORRAL_TOKEN";
    static final String TOKEN_FILE_ENV = "CORRAL_TOKEN_FILE";
    /** Set to any value to print stack traces of unexpected errors (operating errors never have one). */
    static final String DEBUG_ENV = "CORRAL_DEBUG";

    /** Connecting is bounded separately: a dead coordinator must not eat the whole request timeout. */
    static final long MAX_CONNECT_TIMEOUT_MS = 3_000;

    /** The client library's own bound on a request timeout. */
    static final long MAX_TIMEOUT_MS = 24L * 3600 * 1000;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--coordinators",
            scope = ScopeType.INHERIT,
            paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Coordinators to contact (default: $" + COORDINATORS_ENV + ").")
    String coordinators;

    @Option(
            names = {"-o", "--output"},
            scope = ScopeType.INHERIT,
            paramLabel = "table|json",
            description = "Output format: table (default) or json.")
    Output.Format format;

    @Option(
            names = "--timeout",
            scope = ScopeType.INHERIT,
            paramLabel = "DURATION",
            converter = Durations.Converter.class,
            description = "Time limit of each request, such as 10s or 2m (default: 30s).")
    Long timeoutMs;

    @Option(
            names = "--tls-ca",
            scope = ScopeType.INHERIT,
            paramLabel = "FILE",
            description = "Connect with TLS, trusting the CAs in FILE (PEM) (default: $" + TLS_CA_ENV + ").")
    Path tlsCa;

    @Option(
            names = "--tls-cert",
            scope = ScopeType.INHERIT,
            paramLabel = "FILE",
            description = "This client's certificate (PEM), for coordinators that require one (default: $"
                    + TLS_CERT_ENV + ").")
    Path tlsCert;

    @Option(
            names = "--tls-key",
            scope = ScopeType.INHERIT,
            paramLabel = "FILE",
            description = "Its private key (PKCS#8 PEM) (default: $" + TLS_KEY_ENV + ").")
    Path tlsKey;

    @Option(
            names = "--tls-server-name",
            scope = ScopeType.INHERIT,
            paramLabel = "NAME",
            description = "Verify the coordinators' certificates against NAME instead of the host connected to"
                    + " (default: $" + TLS_SERVER_NAME_ENV + ").")
    String tlsServerName;

    /**
     * Not {@code --token}: on {@code corral lock release} and {@code renew} that option is the lock's fencing token,
     * and every option here is inherited by every command.
     */
    @Option(
            names = "--auth-token",
            scope = ScopeType.INHERIT,
            paramLabel = "TOKEN",
            description = "The token to present (default: $" + TOKEN_ENV + "). Visible to other users of this"
                    + " machine: prefer --token-file or the environment.")
    String token;

    @Option(
            names = "--token-file",
            scope = ScopeType.INHERIT,
            paramLabel = "FILE",
            description = "Read the token from FILE (default: $" + TOKEN_FILE_ENV + ").")
    Path tokenFile;

    private final Map<String, String> env;
    private final ClusterSession.Factory sessions;
    private final JobWatch.Pacer pacer;
    private final boolean interactive;

    /**
     * The real command line: the process environment, real connections and the real clock. Progress is redrawn in
     * place only when a console is attached (Java cannot ask about stderr alone; stdin and stdout are a good proxy).
     */
    public Main() {
        this(System.getenv(), ClientSession::open, JobWatch.Pacer.SYSTEM, System.console() != null);
    }

    /** For tests: a chosen environment and a fake cluster, no terminal. */
    Main(Map<String, String> env, ClusterSession.Factory sessions) {
        this(env, sessions, JobWatch.Pacer.SYSTEM, false);
    }

    /** For tests: also the time source of {@code --wait} and whether progress is drawn as on a terminal. */
    Main(Map<String, String> env, ClusterSession.Factory sessions, JobWatch.Pacer pacer, boolean interactive) {
        this.env = Map.copyOf(env);
        this.sessions = sessions;
        this.pacer = pacer;
        this.interactive = interactive;
    }

    JobWatch.Pacer pacer() {
        return pacer;
    }

    boolean interactive() {
        return interactive;
    }

    public static void main(String[] args) {
        System.exit(commandLine(new Main()).execute(args));
    }

    /** Builds the command tree with Corral's error handling; {@code execute} returns the exit code. */
    public static CommandLine commandLine(Main main) {
        CommandLine cl = new CommandLine(main);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(main::onParameterError);
        cl.setExecutionExceptionHandler(main::onExecutionError);
        return cl;
    }

    /** {@code corral} alone: show what it can do, on stderr, and fail as a usage error. */
    @Override
    public Integer call() {
        throw new MissingCommand(spec);
    }

    Output.Format format() {
        return format == null ? Output.Format.TABLE : format;
    }

    long timeoutMs() {
        return timeoutMs == null ? 30_000 : timeoutMs;
    }

    Output output(CommandLine cmd) {
        return new Output(cmd.getOut(), cmd.getErr(), format());
    }

    /**
     * Opens a session to the cluster.
     *
     * @param minRequestTimeoutMs a floor for the request timeout, for requests that legitimately wait on the server
     *     (a lock acquire with {@code --wait}) and must not be cut short by the default timeout
     * @throws CliException (usage) when no coordinator is configured
     */
    ClusterSession connect(long minRequestTimeoutMs) {
        return sessions.open(settings(minRequestTimeoutMs));
    }

    /**
     * Opens a session for a command that writes: at the leader when the coordinator reached is a follower
     * ({@link ClusterSession.Settings#towardLeader()}).
     *
     * @param minRequestTimeoutMs as {@link #connect(long)}'s
     */
    ClusterSession connectTowardLeader(long minRequestTimeoutMs) {
        return sessions.open(settings(minRequestTimeoutMs).towardLeader());
    }

    /**
     * How to reach the cluster, from the options and the environment; for commands that need the client library
     * itself ({@code corral bench} registers as a worker and listens for pushes).
     *
     * @throws CliException (usage) when no coordinator is configured or the timeout is out of range
     */
    ClusterSession.Settings settings(long minRequestTimeoutMs) {
        String list = coordinators != null ? coordinators : env.get(COORDINATORS_ENV);
        if (list == null || list.isBlank()) {
            throw CliException.usage(
                    "no coordinators given: pass --coordinators host:port[,host:port...] or set " + COORDINATORS_ENV);
        }
        if (timeoutMs() < 1 || timeoutMs() > MAX_TIMEOUT_MS) {
            throw CliException.usage("--timeout must be between 1ms and " + Durations.format(MAX_TIMEOUT_MS));
        }
        long requestMs = Math.max(timeoutMs(), minRequestTimeoutMs);
        long connectMs = Math.min(timeoutMs(), MAX_CONNECT_TIMEOUT_MS);
        return new ClusterSession.Settings(list.strip(), connectMs, requestMs, clientName(), tls(), token(), false);
    }

    /** The TLS options, each from its flag or else its environment variable. */
    ClusterSession.Tls tls() {
        return new ClusterSession.Tls(
                pathOrEnv(tlsCa, TLS_CA_ENV),
                pathOrEnv(tlsCert, TLS_CERT_ENV),
                pathOrEnv(tlsKey, TLS_KEY_ENV),
                tlsServerName != null ? tlsServerName : blankToNull(env.get(TLS_SERVER_NAME_ENV)));
    }

    /**
     * The token: {@code --auth-token}, else {@code --token-file}, else {@code CORRAL_TOKEN}, else {@code
     * CORRAL_TOKEN_FILE}; null for none. Giving both flags is a usage error, and so is an empty or unreadable file.
     */
    String token() {
        if (token != null && tokenFile != null) {
            throw CliException.usage("give --auth-token or --token-file, not both");
        }
        if (token != null) {
            return requireToken(token.strip(), "--auth-token");
        }
        if (tokenFile != null) {
            return readToken(tokenFile, "--token-file");
        }
        String fromEnv = blankToNull(env.get(TOKEN_ENV));
        if (fromEnv != null) {
            return requireToken(fromEnv.strip(), TOKEN_ENV);
        }
        String fileFromEnv = blankToNull(env.get(TOKEN_FILE_ENV));
        return fileFromEnv == null ? null : readToken(Path.of(fileFromEnv), TOKEN_FILE_ENV);
    }

    private static String readToken(Path file, String source) {
        try {
            return requireToken(Files.readString(file, StandardCharsets.UTF_8).strip(), source + " " + file);
        } catch (NoSuchFileException e) {
            throw CliException.usage(source + " " + file + ": no such file");
        } catch (IOException e) {
            throw CliException.usage(source + " " + file + ": cannot be read: " + e.getMessage());
        }
    }

    /** The message names where the token came from, never the token. */
    private static String requireToken(String value, String source) {
        if (value.isEmpty() || value.chars().anyMatch(Character::isISOControl)) {
            throw CliException.usage(source + ": the token is empty or is not one line");
        }
        return value;
    }

    private Path pathOrEnv(Path flag, String variable) {
        if (flag != null) {
            return flag;
        }
        String value = blankToNull(env.get(variable));
        return value == null ? null : Path.of(value);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static String clientName() {
        return "corral-cli/" + Version.version();
    }

    private int onParameterError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        new Output(cmd.getOut(), err, jsonRequested(args) ? Output.Format.JSON : Output.Format.TABLE)
                .error("USAGE", ex.getMessage());
        if (ex instanceof MissingCommand) {
            err.println();
            cmd.usage(err);
        } else {
            UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        }
        err.flush();
        return ExitCodes.USAGE;
    }

    private int onExecutionError(Exception ex, CommandLine cmd, ParseResult parseResult) {
        if (ex instanceof ParameterException pe) {
            return onParameterError(pe, parseResult.originalArgs().toArray(new String[0]));
        }
        Failures.Failure failure = Failures.describe(ex);
        output(cmd).error(failure.code(), failure.message());
        if (env.containsKey(DEBUG_ENV)) {
            ex.printStackTrace(cmd.getErr());
        } else if (failure.unexpected()) {
            cmd.getErr().println("corral: this looks like a bug; run again with " + DEBUG_ENV + "=1 for details");
        }
        cmd.getErr().flush();
        return failure.exitCode();
    }

    /**
     * Whether the user asked for JSON, read from the raw arguments: a parse error can happen before picocli has set
     * the option, and a script that asked for JSON still deserves a JSON error document.
     */
    static boolean jsonRequested(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equalsIgnoreCase("--output=json") || a.equalsIgnoreCase("-o=json") || a.equalsIgnoreCase("-ojson")) {
                return true;
            }
            if ((a.equals("--output") || a.equals("-o"))
                    && i + 1 < args.length
                    && args[i + 1].equalsIgnoreCase("json")) {
                return true;
            }
        }
        return false;
    }

    /** A command group ({@code corral}, {@code corral lock}...) run without one of its commands: show its usage. */
    static final class MissingCommand extends ParameterException {
        private static final long serialVersionUID = 1L;

        MissingCommand(CommandSpec group) {
            super(
                    group.commandLine(),
                    "missing command: expected one of "
                            + String.join(
                                    ", ",
                                    group.subcommands().keySet().stream()
                                            .filter(name -> !name.equals("help"))
                                            .toList()));
        }
    }

    /** {@code corral --version}: the build and the protocol version it speaks. */
    static final class Version implements IVersionProvider {
        /** Written by the Maven jar plugin into every jar it builds; absent when run from an IDE's class folders. */
        private static final String POM_PROPERTIES = "/META-INF/maven/io.corral/corral-client-cli/pom.properties";

        static String version() {
            try (InputStream in = Main.class.getResourceAsStream(POM_PROPERTIES)) {
                if (in != null) {
                    Properties props = new Properties();
                    props.load(in);
                    return props.getProperty("version", "dev");
                }
            } catch (IOException e) {
                // A version string is not worth failing a command over.
            }
            return "dev";
        }

        @Override
        public String[] getVersion() {
            return new String[] {"corral " + version() + " (protocol " + Limits.PROTOCOL_VERSION + ")"};
        }
    }
}
