package io.corral.coordinator.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.corral.config.YamlConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Reads a coordinator configuration: defaults, then the YAML file, then flag overrides ({@link YamlConfig}, shared
 * with the worker), then validation. Every mistake is reported with the offending key.
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    public static CoordinatorConfig defaults() {
        return new CoordinatorConfig(
                null,
                null,
                "corral",
                null,
                null,
                null,
                List.of(),
                false,
                CoordinatorConfig.Raft.defaults(),
                CoordinatorConfig.Limits.defaults(),
                CoordinatorConfig.Http.defaults(),
                CoordinatorConfig.Retention.defaults(),
                CoordinatorConfig.Housekeeping.defaults(),
                CoordinatorConfig.Workers.defaults(),
                CoordinatorConfig.Shutdown.defaults(),
                CoordinatorConfig.Health.defaults(),
                CoordinatorConfig.Testing.defaults(),
                CoordinatorConfig.Tls.defaults(),
                CoordinatorConfig.Auth.defaults(),
                CoordinatorConfig.Security.defaults());
    }

    /**
     * Loads {@code file} (may be null: flags only) and applies {@code overrides}, a map from dotted key (for example
     * {@code raft.snapshotThresholdEntries}) to a YAML scalar or a JSON/YAML fragment for structured values.
     */
    public static CoordinatorConfig load(Path file, Map<String, String> overrides) {
        try {
            return YamlConfig.load(CoordinatorConfig.class, defaults(), file, overrides)
                    .validate();
        } catch (YamlConfig.Problem e) {
            throw new ConfigException(e.key(), e.problem());
        }
    }

    /** Parses the {@code --peers} flag: {@code id=raftHost:port/rpcHost:port/httpHost:port,...}. */
    public static ArrayNode parsePeersFlag(String spec) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (String item : spec.split(",")) {
            String[] idRest = item.trim().split("=", 2);
            String[] addrs = idRest.length == 2 ? idRest[1].split("/") : new String[0];
            if (addrs.length != 3) {
                throw new ConfigException(
                        "--peers", "'" + item + "' is not id=raftHost:port/rpcHost:port/httpHost:port");
            }
            out.addObject()
                    .put("id", idRest[0])
                    .put("raft", addrs[0])
                    .put("rpc", addrs[1])
                    .put("http", addrs[2]);
        }
        return out;
    }
}
