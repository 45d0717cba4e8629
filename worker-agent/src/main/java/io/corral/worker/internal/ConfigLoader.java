package io.corral.worker.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.corral.worker.WorkerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a worker configuration the way the coordinator reads its own: defaults, then the YAML file, then flag
 * overrides, then validation. An unknown key is an error naming the key (a typo must not fall back to a default).
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private ConfigLoader() {}

    /**
     * Loads {@code file} (may be null: flags only) and applies {@code overrides}, a map from dotted key (for example
     * {@code pipeline.maxPixels}) to a YAML value.
     *
     * @throws ConfigException naming the offending key
     */
    public static WorkerConfig load(Path file, Map<String, String> overrides) {
        ObjectNode tree = YAML.valueToTree(WorkerConfig.defaults());
        if (file != null) {
            merge(tree, readFile(file), "");
        }
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            override(tree, o.getKey(), o.getValue());
        }
        try {
            return YAML.treeToValue(tree, WorkerConfig.class).validate();
        } catch (JsonMappingException e) {
            String key = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."));
            throw new ConfigException(key.isEmpty() ? "(root)" : key, e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException("(file)", e.getMessage());
        }
    }

    /** Quotes {@code value} so that YAML reads it as a string whatever it looks like. */
    public static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static JsonNode readFile(Path file) {
        try {
            JsonNode node = YAML.readTree(Files.readString(file));
            if (node == null || node.isMissingNode() || node.isNull()) {
                return JsonNodeFactory.instance.objectNode();
            }
            if (!node.isObject()) {
                throw new ConfigException("(root)", file + " must hold a YAML mapping");
            }
            return node;
        } catch (NoSuchFileException e) {
            throw new ConfigException("--config", "no such file: " + file);
        } catch (IOException e) {
            throw new ConfigException("(file)", "cannot parse " + file + ": " + e.getMessage());
        }
    }

    /** Deep-merges {@code from} into {@code into}; keys absent from the defaults are unknown keys. */
    private static void merge(ObjectNode into, JsonNode from, String prefix) {
        Iterator<Map.Entry<String, JsonNode>> fields = from.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String key = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
            if (!into.has(f.getKey())) {
                throw new ConfigException(key, "unknown key; known keys here: " + knownKeys(into));
            }
            JsonNode current = into.get(f.getKey());
            if (current.isObject() && f.getValue().isObject()) {
                merge((ObjectNode) current, f.getValue(), key);
            } else if (current.isObject()) {
                throw new ConfigException(key, "must be a mapping with keys " + knownKeys((ObjectNode) current));
            } else {
                into.set(f.getKey(), f.getValue());
            }
        }
    }

    private static String knownKeys(ObjectNode node) {
        StringBuilder sb = new StringBuilder();
        node.fieldNames()
                .forEachRemaining(n -> sb.append(sb.length() == 0 ? "" : ", ").append(n));
        return sb.toString();
    }

    private static void override(ObjectNode tree, String dottedKey, String value) {
        String[] parts = dottedKey.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = node.get(parts[i]);
            if (next == null || !next.isObject()) {
                throw new ConfigException(dottedKey, "unknown key");
            }
            node = (ObjectNode) next;
        }
        String last = parts[parts.length - 1];
        if (!node.has(last)) {
            throw new ConfigException(dottedKey, "unknown key; known keys here: " + knownKeys(node));
        }
        try {
            node.set(last, YAML.readTree(value));
        } catch (IOException e) {
            throw new ConfigException(dottedKey, "cannot parse value '" + value + "'");
        }
    }
}
