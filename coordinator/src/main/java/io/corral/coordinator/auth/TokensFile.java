package io.corral.coordinator.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.corral.auth.Role;
import io.corral.coordinator.config.ConfigException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The tokens a coordinator accepts ({@code auth.tokensFile}), YAML:
 *
 * <pre>
 * tokens:
 *   - name: ci                 # shown in logs and refusals
 *     role: submitter          # admin, submitter, worker or read-only (peer: only to rotate the peer token)
 *     sha256: 5e88...          # SHA-256 (hex) of the secret: corral-coordinator token generate
 *     tenant: build            # optional: whose jobs and locks it shares (default: its name)
 * </pre>
 *
 * It never holds a secret, so it may be readable by the service user and kept in configuration management. Read at
 * start-up; every mistake is a {@link ConfigException} naming the entry and, never, a secret.
 */
public final class TokensFile {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** The most entries a file may hold: each connection is checked against all of them. */
    static final int MAX_TOKENS = 1000;

    /** What a token's name and tenant may be: one word, safe in logs, keys and messages. */
    private static final String NAME = "[A-Za-z0-9_.@:-]{1,64}";

    /** One accepted token. */
    public record Entry(String name, Role role, byte[] sha256, String tenant) {
        /** An entry that is its own tenant. */
        public Entry(String name, Role role, byte[] sha256) {
            this(name, role, sha256, name);
        }
    }

    private record FileShape(@JsonProperty("tokens") List<EntryShape> tokens) {}

    private record EntryShape(
            @JsonProperty("name") String name,
            @JsonProperty("role") String role,
            @JsonProperty("sha256") String sha256,
            @JsonProperty("tenant") String tenant) {}

    private TokensFile() {}

    /** @throws ConfigException naming {@code auth.tokensFile}, the file and the offending entry */
    public static List<Entry> read(Path file) {
        FileShape shape;
        try {
            com.fasterxml.jackson.databind.JsonNode tree = YAML.readTree(file.toFile());
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                throw problem(file, "is empty; it has no 'tokens:' list");
            }
            shape = YAML.treeToValue(tree, FileShape.class);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw problem(file, "no such file");
        } catch (JsonMappingException e) {
            throw problem(file, "not a tokens file: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw problem(file, "cannot be read: " + e.getMessage());
        }
        if (shape == null || shape.tokens() == null) {
            throw problem(file, "has no 'tokens:' list");
        }
        if (shape.tokens().size() > MAX_TOKENS) {
            throw problem(file, "lists " + shape.tokens().size() + " tokens; at most " + MAX_TOKENS);
        }
        List<Entry> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (int i = 0; i < shape.tokens().size(); i++) {
            out.add(entry(file, i, shape.tokens().get(i), names, hashes));
        }
        return List.copyOf(out);
    }

    private static Entry entry(Path file, int i, EntryShape e, Set<String> names, Set<String> hashes) {
        String at = "tokens[" + i + "]";
        if (e == null) {
            throw problem(file, at + " is empty");
        }
        if (e.name() == null || !e.name().matches(NAME)) {
            throw problem(file, at + ".name must be 1-64 letters, digits or _.@:-");
        }
        if (e.tenant() != null && !e.tenant().matches(NAME)) {
            throw problem(file, at + ".tenant must be 1-64 letters, digits or _.@:-");
        }
        if (!names.add(e.name())) {
            throw problem(file, at + ".name '" + e.name() + "' is used twice");
        }
        Role role;
        try {
            role = Role.parse(e.role());
        } catch (IllegalArgumentException ex) {
            throw problem(file, at + ".role: " + ex.getMessage());
        }
        if (e.sha256() == null || !e.sha256().matches("[0-9a-f]{64}")) {
            throw problem(
                    file,
                    at + ".sha256 must be 64 lower-case hex digits (the SHA-256 of the secret, not the secret itself;"
                            + " corral-coordinator token generate prints it)");
        }
        if (!hashes.add(e.sha256())) {
            throw problem(file, at + ".sha256 is the same as an earlier entry's");
        }
        return new Entry(
                e.name(), role, HexFormat.of().parseHex(e.sha256()), e.tenant() == null ? e.name() : e.tenant());
    }

    /** The line for a token in a tokens file. */
    public static String line(String name, Role role, String sha256Hex) {
        return "  - {name: " + name + ", role: " + role.configName() + ", sha256: " + sha256Hex + "}";
    }

    private static ConfigException problem(Path file, String problem) {
        return new ConfigException("auth.tokensFile", file + ": " + problem);
    }
}
