package io.corral.worker.internal;

import io.corral.config.YamlConfig;
import io.corral.worker.WorkerConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads a worker configuration the way the coordinator reads its own ({@link YamlConfig}): defaults, then the YAML
 * file, then flag overrides, then validation. An unknown key is an error naming the key.
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /**
     * Loads {@code file} (may be null: flags only) and applies {@code overrides}, a map from dotted key (for example
     * {@code pipeline.maxPixels}) to a YAML value.
     *
     * @throws ConfigException naming the offending key
     */
    public static WorkerConfig load(Path file, Map<String, String> overrides) {
        try {
            return YamlConfig.load(WorkerConfig.class, WorkerConfig.defaults(), file, overrides)
                    .validate();
        } catch (YamlConfig.Problem e) {
            throw new ConfigException(e.key(), e.problem());
        }
    }

    /** Quotes {@code value} so that YAML reads it as a string whatever it looks like. */
    public static String quoted(String value) {
        return YamlConfig.quoted(value);
    }
}
