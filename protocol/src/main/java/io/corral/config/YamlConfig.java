package io.corral.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How every Corral daemon reads its configuration: the defaults (a record), then a YAML file, then overrides by
 * dotted key (flags), bound back to the record. An unknown key is an error naming the key, so a typo never falls back
 * to a default silently. Each daemon validates the result and turns a {@link Problem} into its own error.
 */
public final class YamlConfig {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .findAndRegisterModules()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** A configuration mistake: the offending key and what is wrong with it. */
    public static final class Problem extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String key;
        private final String problem;

        public Problem(String key, String problem) {
            super("config error at '" + key + "': " + problem);
            this.key = key;
            this.problem = problem;
        }

        public String key() {
            return key;
        }

        public String problem() {
            return problem;
        }
    }

    private YamlConfig() {}

    /**
     * Loads {@code file} (may be null: overrides only) over {@code defaults} and applies {@code overrides}, a map from
     * dotted key (for example {@code raft.snapshotThresholdEntries}) to a YAML value.
     *
     * @throws Problem naming the offending key
     */
    public static <T> T load(Class<T> type, T defaults, Path file, Map<String, String> overrides) {
        ObjectNode tree = YAML.valueToTree(defaults);
        if (file != null) {
            merge(tree, readFile(file), "");
        }
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            override(tree, o.getKey(), o.getValue());
        }
        try {
            return YAML.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            throw new Problem(path(e), e.getOriginalMessage());
        } catch (IOException e) {
            throw new Problem("(file)", e.getMessage());
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
                throw new Problem("(root)", file + " must hold a YAML mapping");
            }
            return node;
        } catch (NoSuchFileException e) {
            throw new Problem("--config", "no such file: " + file);
        } catch (IOException e) {
            throw new Problem("(file)", "cannot parse " + file + ": " + e.getMessage());
        }
    }

    /** Deep-merges {@code from} into {@code into}; keys absent from the defaults are unknown keys. */
    private static void merge(ObjectNode into, JsonNode from, String prefix) {
        Iterator<Map.Entry<String, JsonNode>> fields = from.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String key = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
            if (!into.has(f.getKey())) {
                throw new Problem(key, "unknown key; known keys here: " + knownKeys(into));
            }
            JsonNode current = into.get(f.getKey());
            if (current.isObject() && f.getValue().isObject()) {
                merge((ObjectNode) current, f.getValue(), key);
            } else if (current.isObject() && !f.getValue().isNull()) {
                throw new Problem(key, "must be a mapping with keys " + knownKeys((ObjectNode) current));
            } else {
                into.set(f.getKey(), f.getValue());
            }
        }
    }

    private static void override(ObjectNode tree, String dottedKey, String value) {
        String[] parts = dottedKey.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = node.get(parts[i]);
            if (next == null || !next.isObject()) {
                throw new Problem(dottedKey, "unknown key");
            }
            node = (ObjectNode) next;
        }
        String last = parts[parts.length - 1];
        if (!node.has(last)) {
            throw new Problem(dottedKey, "unknown key; known keys here: " + knownKeys(node));
        }
        try {
            node.set(last, YAML.readTree(value));
        } catch (IOException e) {
            throw new Problem(dottedKey, "cannot parse value '" + value + "'");
        }
    }

    private static String knownKeys(ObjectNode node) {
        StringBuilder sb = new StringBuilder();
        node.fieldNames()
                .forEachRemaining(n -> sb.append(sb.length() == 0 ? "" : ", ").append(n));
        return sb.toString();
    }

    private static String path(JsonMappingException e) {
        String p = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
        return p.isEmpty() ? "(root)" : p;
    }
}
