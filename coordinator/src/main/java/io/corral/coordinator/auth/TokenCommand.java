package io.corral.coordinator.auth;

import io.corral.auth.Role;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code corral-coordinator token}: makes token secrets and the tokens-file lines that accept them. Runs offline: it
 * reads no configuration and contacts no coordinator.
 */
@Command(
        name = "token",
        mixinStandardHelpOptions = true,
        description = "Makes tokens for auth.tokensFile (see docs/operations.md, \"TLS and tokens\").",
        subcommands = {TokenCommand.Generate.class, TokenCommand.Hash.class})
public final class TokenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    @Command(
            name = "generate",
            mixinStandardHelpOptions = true,
            description = "Makes a new random token. Prints the secret once (or writes it to --out, mode 0600), and"
                    + " the line to add to the tokens file of every coordinator, which holds only its SHA-256. With"
                    + " --role peer, makes the coordinators' shared token for auth.peerTokenFile instead.")
    static final class Generate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--name", paramLabel = "NAME", description = "who uses it, shown in logs (e.g. ci)")
        String name;

        @Option(
                names = "--role",
                required = true,
                paramLabel = "ROLE",
                description = "admin, submitter, worker, read-only, or peer (the coordinators' own token)")
        String role;

        @Option(
                names = "--out",
                paramLabel = "FILE",
                description = "write the secret to FILE (created with mode 0600; never overwritten) instead of"
                        + " printing it")
        Path out;

        @Override
        public Integer call() throws IOException {
            PrintWriter stdout = spec.commandLine().getOut();
            PrintWriter stderr = spec.commandLine().getErr();
            Role r;
            try {
                r = Role.parse(role);
            } catch (IllegalArgumentException e) {
                stderr.println("corral-coordinator token generate: " + e.getMessage());
                return 2;
            }
            if (r != Role.PEER && (name == null || !name.matches("[A-Za-z0-9_.@:-]{1,64}"))) {
                stderr.println("corral-coordinator token generate: --name must be 1-64 letters, digits or _.@:-");
                return 2;
            }
            String secret = Tokens.generate();
            if (out != null) {
                try {
                    writeSecret(out, secret);
                } catch (FileAlreadyExistsException e) {
                    stderr.println("corral-coordinator token generate: " + out + " exists; not overwritten");
                    return 2;
                }
                stdout.println("secret written to " + out + " (mode 0600)");
            } else {
                stdout.println(
                        "secret (shown once; store it where the client reads it, e.g. a file for" + " --token-file):");
                stdout.println(secret);
            }
            if (r == Role.PEER) {
                stdout.println("copy the secret to every coordinator (mode 0600, owned by the service user) and"
                        + " set auth.peerTokenFile to it");
            } else {
                stdout.println("add to the tokens file (auth.tokensFile) of every coordinator, then restart them one"
                        + " at a time:");
                stdout.println(TokensFile.line(name, r, Tokens.sha256Hex(secret)));
            }
            stdout.flush();
            return 0;
        }
    }

    @Command(
            name = "hash",
            mixinStandardHelpOptions = true,
            description = "Reads a secret from standard input (one line) and prints the tokens-file line for it: for a"
                    + " secret you made yourself (long and random: 32 bytes or more), or for the peer token while"
                    + " rotating it (--role peer).")
    static final class Hash implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "who uses it")
        String name;

        @Option(
                names = "--role",
                required = true,
                paramLabel = "ROLE",
                description = "admin, submitter, worker, read-only")
        String role;

        @Override
        public Integer call() throws IOException {
            Role r;
            try {
                r = Role.parse(role);
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("corral-coordinator token hash: " + e.getMessage());
                return 2;
            }
            String secret = Tokens.clean(new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
            if (secret == null) {
                spec.commandLine().getErr().println("corral-coordinator token hash: no secret on standard input");
                return 2;
            }
            spec.commandLine().getOut().println(TokensFile.line(name, r, Tokens.sha256Hex(secret)));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** Created, never replaced, with owner-only permissions from the start (no window where others can read it). */
    static void writeSecret(Path file, String secret) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, secret + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE);
    }
}
