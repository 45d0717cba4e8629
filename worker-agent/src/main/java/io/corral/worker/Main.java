package io.corral.worker;

import io.corral.systemd.ReadinessReporter;
import io.corral.systemd.SystemdNotifier;
import io.corral.systemd.Watchdog;
import io.corral.worker.bench.BenchImages;
import io.corral.worker.bench.PipelineBench;
import io.corral.worker.internal.ConfigException;
import io.corral.worker.internal.ConfigLoader;
import io.corral.worker.internal.Durations;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code corral-worker}: runs one worker agent until SIGTERM/SIGINT, then drains. */
@Command(
        name = "corral-worker",
        mixinStandardHelpOptions = true,
        version = "corral-worker 0.1.0",
        subcommands = {PipelineBench.class, BenchImages.class},
        description = "Runs one Corral worker: leases image tasks from the cluster, runs the image pipeline on them"
                + " and hands the results back. SIGTERM drains: no new leases, in-flight tasks finish within the"
                + " drain grace, the rest are given back. Under systemd (Type=notify) it reports READY=1 once"
                + " registered, its status and watchdog pings, and extends the stop timeout to cover the drain.",
        footer = {
            "",
            "Flags override the YAML file. Exit codes: 0 stopped (drained), 2 invalid configuration or flags,"
                    + " 1 failed to start."
        })
public final class Main implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file")
    Path config;

    @Option(
            names = "--coordinators",
            paramLabel = "HOST:PORT,...",
            defaultValue = "${env:CORRAL_COORDINATORS}",
            description = "coordinators' client/worker addresses (default: $CORRAL_COORDINATORS)")
    String coordinators;

    @Option(
            names = "--id",
            paramLabel = "ID",
            description = "worker id (default: host name + suffix kept in the state dir)")
    String id;

    @Option(names = "--slots", paramLabel = "N", description = "tasks run at once (default: number of cores)")
    Integer slots;

    @Option(
            names = "--capabilities",
            paramLabel = "NAME,...",
            split = ",",
            description = "labels sent when registering")
    java.util.List<String> capabilities;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            description = "keeps the generated id (default ./.corral/worker)")
    String stateDir;

    @Option(
            names = "--drain-grace",
            paramLabel = "DURATION",
            description = "on SIGTERM, time for in-flight tasks (default 60s)")
    String drainGrace;

    @Option(names = "--task-timeout", paramLabel = "DURATION", description = "bound on one task (default 5m)")
    String taskTimeout;

    @Option(
            names = "--max-pixels",
            paramLabel = "N",
            description = "largest image decoded, in pixels (default 50000000)")
    Long maxPixels;

    @Option(names = "--max-input-bytes", paramLabel = "N", description = "largest input image (default 52428800)")
    Long maxInputBytes;

    @Option(names = "--max-frames", paramLabel = "N", description = "most frames an input may declare (default 100)")
    Integer maxFrames;

    @Option(names = "--max-output-bytes", paramLabel = "N", description = "largest encoded result (default 104857600)")
    Long maxOutputBytes;

    @Option(
            names = "--metrics-address",
            paramLabel = "HOST:PORT",
            description = "serve /metrics (Prometheus) and /health over HTTP here (default: no HTTP port)")
    String metricsAddress;

    @Option(
            names = "--tls-ca",
            paramLabel = "FILE",
            defaultValue = "${env:CORRAL_TLS_CA}",
            description = "CA bundle (PEM) of the coordinators' certificates; turns TLS on (default: $CORRAL_TLS_CA)")
    String tlsCa;

    @Option(
            names = "--tls-cert",
            paramLabel = "FILE",
            defaultValue = "${env:CORRAL_TLS_CERT}",
            description =
                    "this worker's certificate (PEM), for coordinators that require one (default: $CORRAL_TLS_CERT)")
    String tlsCert;

    @Option(
            names = "--tls-key",
            paramLabel = "FILE",
            defaultValue = "${env:CORRAL_TLS_KEY}",
            description = "its private key (PKCS#8 PEM) (default: $CORRAL_TLS_KEY)")
    String tlsKey;

    @Option(
            names = "--tls-server-name",
            paramLabel = "NAME",
            defaultValue = "${env:CORRAL_TLS_SERVER_NAME}",
            description = "verify the coordinators' certificates against NAME instead of the host connected to")
    String tlsServerName;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            defaultValue = "${env:CORRAL_TOKEN_FILE}",
            description = "file holding this worker's token (role worker) (default: $CORRAL_TOKEN_FILE; the token"
                    + " itself may come from $CORRAL_TOKEN)")
    String tokenFile;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "override any configuration key, e.g. --set progressIntervalMs=500")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        WorkerConfig cfg;
        try {
            cfg = ConfigLoader.load(config, overrides(System.getenv()));
        } catch (ConfigException e) {
            System.err.println("corral-worker: " + e.getMessage());
            return 2;
        }
        SystemdNotifier systemd = SystemdNotifier.fromEnvironment();
        Worker worker = Worker.connect(cfg);
        Systemd lifecycle = new Systemd(
                systemd,
                ReadinessReporter.start(systemd, worker::readiness, READINESS_POLL_MS),
                Watchdog.start(systemd, worker::health));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(() -> drainAndExit(worker, cfg, lifecycle, stopped), "shutdown-drain"));
        worker.start();
        stopped.await();
        return 0;
    }

    /** How often readiness and the status line are looked at; a status change reaches systemd within this. */
    static final long READINESS_POLL_MS = 1_000;

    /** What the worker tells systemd, closed in order on SIGTERM. */
    private record Systemd(SystemdNotifier notifier, ReadinessReporter readiness, Watchdog watchdog) {
        /**
         * STOPPING=1, and a stop timeout long enough for the drain (EXTEND_TIMEOUT_USEC; it only matters when the
         * drain may outlast the unit's TimeoutStopSec). systemd stops watching the watchdog once the unit stops.
         */
        void stopping(Worker worker, long graceMs) {
            readiness.close();
            notifier.stopping("draining: " + worker.busySlots() + " task(s) in flight, grace " + graceMs + " ms");
            notifier.extendTimeout(worker.drainBoundMs(graceMs));
            watchdog.close();
        }
    }

    /**
     * Runs in the shutdown hook. The JVM would otherwise exit 143 after SIGTERM; a drain that went as planned is a
     * clean stop for systemd, so the hook ends the process with 0 itself once the drain is over.
     */
    private static void drainAndExit(Worker worker, WorkerConfig cfg, Systemd systemd, CountDownLatch stopped) {
        log.info("signal received: draining worker {} (grace {} ms)", worker.id(), cfg.drainGraceMs());
        systemd.stopping(worker, cfg.drainGraceMs());
        try {
            worker.drain(cfg.drainGraceMs());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("drain failed", e);
        }
        stopped.countDown();
        log.info("exiting 0");
        Runtime.getRuntime().halt(0);
    }

    /** Flags as dotted-key overrides of the YAML; {@code --set} last so it wins. */
    Map<String, String> overrides() {
        return overrides(Map.of());
    }

    /**
     * {@link #overrides()}, with the token from {@code CORRAL_TOKEN} in {@code env} when no token file is given: an
     * environment variable (a systemd credential, say) keeps the secret out of files and the command line.
     */
    Map<String, String> overrides(Map<String, String> env) {
        Map<String, String> o = new LinkedHashMap<>();
        if (coordinators != null && !coordinators.isBlank()) {
            StringBuilder list = new StringBuilder("[");
            for (String c : coordinators.split(",")) {
                list.append(list.length() > 1 ? "," : "").append(ConfigLoader.quoted(c.trim()));
            }
            o.put("coordinators", list.append("]").toString());
        }
        putString(o, "id", id);
        putString(o, "stateDir", stateDir);
        putString(o, "metricsAddress", metricsAddress);
        put(o, "slots", slots);
        if (capabilities != null) {
            o.put(
                    "capabilities",
                    "["
                            + String.join(
                                    ",",
                                    capabilities.stream()
                                            .map(c -> ConfigLoader.quoted(c.trim()))
                                            .toList()) + "]");
        }
        if (drainGrace != null) {
            o.put("drainGraceMs", Long.toString(Durations.parseMs("--drain-grace", drainGrace)));
        }
        if (taskTimeout != null) {
            o.put("taskTimeoutMs", Long.toString(Durations.parseMs("--task-timeout", taskTimeout)));
        }
        put(o, "pipeline.maxPixels", maxPixels);
        put(o, "pipeline.maxInputBytes", maxInputBytes);
        put(o, "pipeline.maxFrames", maxFrames);
        put(o, "pipeline.maxOutputBytes", maxOutputBytes);
        putString(o, "tls.trustedCa", blankToNull(tlsCa));
        putString(o, "tls.certChain", blankToNull(tlsCert));
        putString(o, "tls.privateKey", blankToNull(tlsKey));
        putString(o, "tls.serverName", blankToNull(tlsServerName));
        putString(o, "tokenFile", blankToNull(tokenFile));
        String envToken = blankToNull(env.get(TOKEN_ENV));
        envToken = envToken == null ? null : envToken.strip();
        if (envToken != null && blankToNull(tokenFile) == null) {
            putString(o, "token", envToken);
        }
        o.putAll(settings);
        return o;
    }

    /** The environment variable that may hold the worker's token. */
    static final String TOKEN_ENV = "CORRAL_TOKEN";

    /** An unset environment variable reaches picocli's default as empty or null: both mean "not given". */
    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static void putString(Map<String, String> o, String key, String value) {
        if (value != null) {
            o.put(key, ConfigLoader.quoted(value));
        }
    }

    private static void put(Map<String, String> o, String key, Number value) {
        if (value != null) {
            o.put(key, value.toString());
        }
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigException) {
                System.err.println("corral-worker: " + e.getMessage());
                return 2;
            }
            System.err.println("corral-worker: failed: " + e);
            return 1;
        });
        System.exit(cl.execute(args));
    }
}
