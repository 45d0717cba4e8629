package io.corral.coordinator.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code corral-coordinator token generate}: the secret once, and the tokens-file line that accepts it. */
class TokenCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static String secretIn(String text) {
        Matcher m = Pattern.compile("corral_[A-Za-z0-9_-]{43}").matcher(text);
        return m.find() ? m.group() : null;
    }

    @Test
    void printsTheSecretOnceAndTheLineWithItsHash() throws Exception {
        Run r = run("token", "generate", "--name", "ci", "--role", "submitter");

        assertThat(r.code()).isZero();
        String secret = secretIn(r.out());
        assertThat(secret).isNotNull();
        assertThat(r.out().split(Pattern.quote(secret), -1)).hasSize(2);
        assertThat(r.out()).contains("  - {name: ci, role: submitter, sha256: " + Tokens.sha256Hex(secret) + "}");
        // The line is what a tokens file holds, and the file then accepts the secret.
        Path file = Files.writeString(
                dir.resolve("tokens.yaml"),
                "tokens:\n"
                        + r.out()
                                .lines()
                                .filter(l -> l.startsWith("  - "))
                                .findFirst()
                                .orElseThrow() + "\n");
        assertThat(new TokenAuthenticator(TokensFile.read(file), null).authenticate(secret))
                .hasValueSatisfying(p -> assertThat(p.name()).isEqualTo("ci"));
    }

    @Test
    void writesTheSecretToAnOwnerOnlyFileWithoutPrintingIt() throws Exception {
        Path out = dir.resolve("peer.token");
        Run r = run("token", "generate", "--role", "peer", "--out", out.toString());

        assertThat(r.code()).isZero();
        String secret = secretIn(Files.readString(out));
        assertThat(secret).isNotNull();
        assertThat(r.out()).doesNotContain(secret).contains("auth.peerTokenFile");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out)))
                .isEqualTo("rw-------");

        Run again = run("token", "generate", "--role", "peer", "--out", out.toString());
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("exists; not overwritten");
        assertThat(secretIn(Files.readString(out))).isEqualTo(secret);
    }

    @Test
    void refusesAnUnknownRoleOrAMissingName() {
        Run badRole = run("token", "generate", "--name", "x", "--role", "root");
        assertThat(badRole.code()).isEqualTo(2);
        assertThat(badRole.err()).contains("unknown role 'root'");
        assertThat(run("token", "generate", "--role", "admin").code()).isEqualTo(2);
    }
}
