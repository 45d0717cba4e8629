package io.corral.coordinator;

import io.corral.coordinator.auth.TokenCommand;
import io.corral.coordinator.backup.ExportCommand;
import io.corral.coordinator.backup.RestoreCommand;
import io.corral.coordinator.config.ConfigException;
import io.corral.coordinator.config.ConfigLoader;
import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.coordinator.lifecycle.LeaderHandover;
import io.corral.systemd.ReadinessReporter;
import io.corral.systemd.SystemdNotifier;
import io.corral.systemd.Watchdog;
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

/** {@code corral-coordinator}: runs one coordinator until SIGTERM/SIGINT. */
@Command(
        name = "corral-coordinator",
        mixinStandardHelpOptions = true,
        version = "corral-coordinator 0.1.0",
        subcommands = {RestoreCommand.class, ExportCommand.class, TokenCommand.class},
        description = "Runs one Corral coordinator: a Raft member that replicates the job queue, the lock table and"
                + " the image store, and serves clients and workers. On SIGTERM a leader first hands leadership to"
                + " its most caught-up follower. Under systemd (Type=notify) it reports readiness, status and"
                + " watchdog pings.",
        footer = {
            "",
            "Flags override the YAML file. Exit codes: 0 stopped cleanly, 2 invalid configuration or flags,"
                    + " 1 failed to start or crashed."
        })
public final class Main implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file")
    Path config;

    @Option(names = "--node-id", paramLabel = "ID", description = "this member's id (one of the peers, unless --join)")
    String nodeId;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Raft log, state store and snapshots")
    String dataDir;

    @Option(names = "--raft-address", paramLabel = "HOST:PORT", description = "Raft (gRPC) between coordinators")
    String raftAddress;

    @Option(names = "--rpc-address", paramLabel = "HOST:PORT", description = "client and worker protocol")
    String rpcAddress;

    @Option(names = "--http-address", paramLabel = "HOST:PORT", description = "/health, /metrics, /v1/cluster")
    String httpAddress;

    @Option(
            names = "--peers",
            paramLabel = "ID=RAFT/RPC/HTTP,...",
            description = "the 3 or 5 members a new cluster starts with (once started, the replicated configuration"
                    + " wins), e.g. n1=10.0.0.1:7101/10.0.0.1:7201/10.0.0.1:7301,...")
    String peers;

    @Option(
            names = "--join",
            description = "start empty and wait to be added to a running cluster (corral cluster add-peer); only the"
                    + " first start, with an empty data directory, depends on it")
    boolean join;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "override any configuration key, e.g. --set raft.snapshotThresholdEntries=500")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        CoordinatorConfig cfg;
        try {
            cfg = ConfigLoader.load(config, overrides());
        } catch (ConfigException e) {
            System.err.println("corral-coordinator: " + e.getMessage());
            return 2;
        }
        SystemdNotifier systemd = SystemdNotifier.fromEnvironment();
        systemd.status("starting");
        Coordinator coordinator;
        try {
            coordinator = Coordinator.start(cfg, System::currentTimeMillis);
        } catch (ConfigException e) {
            // A certificate, key or tokens file that cannot be used: a configuration error, named by its key.
            System.err.println("corral-coordinator: " + e.getMessage());
            return 2;
        }
        ReadinessReporter readiness = ReadinessReporter.start(systemd, coordinator::readiness, READINESS_POLL_MS);
        Watchdog watchdog = Watchdog.start(systemd, coordinator::health);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stop(coordinator, systemd, readiness, watchdog);
                            stopped.countDown();
                            // After SIGTERM the JVM would exit 143, which systemd records as a failure; an orderly
                            // stop is a clean one, so the hook ends the process with 0 itself (as the worker does).
                            Runtime.getRuntime().halt(0);
                        },
                        "shutdown"));
        stopped.await();
        return 0;
    }

    /** How often readiness and the status line are looked at; a status change reaches systemd within this. */
    static final long READINESS_POLL_MS = 1_000;

    /**
     * SIGTERM: tell systemd we are stopping (it stops watching the watchdog then), hand leadership over if we lead,
     * close. Readiness reporting ends first, so no stale status overtakes STOPPING=1.
     */
    private static void stop(
            Coordinator coordinator, SystemdNotifier systemd, ReadinessReporter readiness, Watchdog watchdog) {
        readiness.close();
        systemd.stopping("stopping: handing leadership over if leader");
        watchdog.close();
        LeaderHandover.Result handover = coordinator.shutdown();
        LOG.info("shutdown done; leadership hand-over: {}", handover);
        systemd.close();
    }

    private Map<String, String> overrides() {
        Map<String, String> o = new LinkedHashMap<>();
        put(o, "nodeId", nodeId);
        put(o, "dataDir", dataDir);
        put(o, "raftAddress", raftAddress);
        put(o, "rpcAddress", rpcAddress);
        put(o, "httpAddress", httpAddress);
        if (peers != null) {
            o.put("peers", ConfigLoader.parsePeersFlag(peers).toString());
        }
        if (join) {
            o.put("join", "true");
        }
        o.putAll(settings);
        return o;
    }

    private static void put(Map<String, String> o, String key, String value) {
        if (value != null) {
            o.put(key, io.corral.config.YamlConfig.quoted(value));
        }
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            System.err.println("corral-coordinator: failed: " + e);
            return 1;
        });
        int code = cl.execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
