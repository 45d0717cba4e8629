package io.corral.coordinator.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.auth.Principal;
import io.corral.auth.Role;
import io.corral.coordinator.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token secrets, their hashes, the tokens file and the authenticator built from it. */
class TokensTest {
    @TempDir
    Path dir;

    /** SHA-256("password"), a published test vector. */
    static final String PASSWORD_SHA256 = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";

    @Test
    void aSecretIsPrefixedRandomAndUrlSafe() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String s = Tokens.generate();
            assertThat(s).startsWith("corral_").hasSize(7 + 43).matches("corral_[A-Za-z0-9_-]{43}");
            assertThat(seen.add(s)).isTrue();
        }
    }

    @Test
    void theFileHoldsTheLowerCaseHexSha256OfTheSecret() {
        assertThat(Tokens.sha256Hex("password")).isEqualTo(PASSWORD_SHA256);
        assertThat(Tokens.clean("  corral_x\n")).isEqualTo("corral_x");
        assertThat(Tokens.clean(" \n")).isNull();
    }

    Path file(String yaml) throws Exception {
        return Files.writeString(dir.resolve("tokens.yaml"), yaml);
    }

    @Test
    void readsEntriesWithTheirRoles() throws Exception {
        List<TokensFile.Entry> entries =
                TokensFile.read(file("""
                tokens:
                  - {name: ops, role: admin, sha256: %s}
                  - name: grafana
                    role: read-only
                    sha256: %s
                """.formatted(PASSWORD_SHA256, Tokens.sha256Hex("other"))));

        assertThat(entries).extracting(TokensFile.Entry::name).containsExactly("ops", "grafana");
        assertThat(entries).extracting(TokensFile.Entry::role).containsExactly(Role.ADMIN, Role.READ_ONLY);
        assertThat(entries).extracting(TokensFile.Entry::tenant).containsExactly("ops", "grafana");
    }

    /**
     * With TLS on, the peer token makes a coordinator only with a coordinator's certificate (issue 11): alone it is
     * refused, saying why; the other tokens do not care. Without TLS it is accepted alone (members on loopback).
     */
    @Test
    void withTlsThePeerTokenNeedsACoordinatorsCertificate() throws Exception {
        String peer = Tokens.generate();
        String ci = Tokens.generate();
        List<TokensFile.Entry> entries = List.of(new TokensFile.Entry("ci", Role.SUBMITTER, Tokens.sha256(ci)));

        TokenAuthenticator withTls = new TokenAuthenticator(entries, peer, true);
        assertThatThrownBy(() -> withTls.authenticate(peer, List.of()))
                .isInstanceOf(io.corral.protocol.transport.Authenticator.Refused.class)
                .hasMessage("the peer token is accepted only from a coordinator, with its certificate; this connection"
                        + " showed no certificate");
        assertThat(withTls.authenticate(ci, List.of()))
                .map(io.corral.auth.Principal::name)
                .contains("ci");
        assertThat(new TokenAuthenticator(entries, peer, false).authenticate(peer, List.of()))
                .contains(TokenAuthenticator.PEER);
    }

    /**
     * A token's tenant decides whose jobs and locks it shares (docs/security.md, "Ownership"): its name unless the entry
     * names one, so that a rotated token (a new name) keeps its owner's jobs.
     */
    @Test
    void aTokenIsItsOwnTenantUnlessItsEntryNamesOne() throws Exception {
        String next = Tokens.generate();
        List<TokensFile.Entry> entries = TokensFile.read(file("""
                tokens:
                  - {name: alice, role: submitter, sha256: %s}
                  - {name: alice-2027, role: submitter, tenant: alice, sha256: %s}
                """.formatted(PASSWORD_SHA256, Tokens.sha256Hex(next))));

        assertThat(entries).extracting(TokensFile.Entry::tenant).containsExactly("alice", "alice");
        assertThat(new TokenAuthenticator(entries, null).authenticate(next))
                .contains(new io.corral.auth.Principal("alice-2027", Role.SUBMITTER, "alice"));
        expect(
                "tokens:\n  - {name: a, role: admin, tenant: 'two words', sha256: " + PASSWORD_SHA256 + "}\n",
                "tokens[0].tenant must be 1-64 letters, digits or _.@:-");
    }

    @Test
    void eachMistakeNamesTheEntryAndNeverNeedsTheSecret() throws Exception {
        String good = "{name: a, role: admin, sha256: " + PASSWORD_SHA256 + "}";
        expect("tokens: []\n", null);
        expect("nothing: here\n", "not a tokens file");
        expect("", "has no 'tokens:' list");
        expect(
                "tokens:\n  - {name: a, role: root, sha256: " + PASSWORD_SHA256 + "}\n",
                "tokens[0].role: unknown role 'root'");
        expect(
                "tokens:\n  - {name: a, role: admin, sha256: corral_plaintext}\n",
                "tokens[0].sha256 must be 64 lower-case hex");
        expect("tokens:\n  - " + good + "\n  - " + good + "\n", "tokens[1].name 'a' is used twice");
        expect(
                "tokens:\n  - " + good + "\n  - {name: b, role: worker, sha256: " + PASSWORD_SHA256 + "}\n",
                "tokens[1].sha256 is the same as an earlier entry's");
        expect("tokens:\n  - {name: a, role: admin, sha256: " + PASSWORD_SHA256 + ", extra: 1}\n", "not a tokens file");
        assertThatThrownBy(() -> TokensFile.read(dir.resolve("missing.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config error at 'auth.tokensFile': " + dir.resolve("missing.yaml") + ": no such file");
    }

    void expect(String yaml, String problem) throws Exception {
        Path f = file(yaml);
        if (problem == null) {
            assertThat(TokensFile.read(f)).isEmpty();
            return;
        }
        assertThatThrownBy(() -> TokensFile.read(f))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config error at 'auth.tokensFile': " + f + ": ")
                .hasMessageContaining(problem);
    }

    /** While the peer token is rotated, the tokens file lists the old and the new one as role peer. */
    @Test
    void peerEntriesAcceptOtherPeerTokensDuringARotation() throws Exception {
        String oldPeer = Tokens.generate();
        String newPeer = Tokens.generate();
        List<TokensFile.Entry> entries = TokensFile.read(file("tokens:\n"
                + TokensFile.line("peer-old", Role.PEER, Tokens.sha256Hex(oldPeer)) + "\n"
                + TokensFile.line("peer-new", Role.PEER, Tokens.sha256Hex(newPeer)) + "\n"));
        TokenAuthenticator switched = new TokenAuthenticator(entries, newPeer);

        assertThat(switched.authenticate(oldPeer))
                .hasValueSatisfying(p -> assertThat(p.role()).isEqualTo(Role.PEER));
        assertThat(switched.authenticate(newPeer)).contains(TokenAuthenticator.PEER);
    }

    @Test
    void theAuthenticatorKnowsTheFilesTokensAndThePeerTokenByTheirHashes() {
        String ci = Tokens.generate();
        String peer = Tokens.generate();
        TokenAuthenticator auth =
                new TokenAuthenticator(List.of(new TokensFile.Entry("ci", Role.SUBMITTER, Tokens.sha256(ci))), peer);

        assertThat(auth.authenticate(ci)).contains(new Principal("ci", Role.SUBMITTER));
        assertThat(auth.authenticate(peer)).contains(TokenAuthenticator.PEER);
        assertThat(auth.authenticate(Tokens.generate())).isEmpty();
        assertThat(auth.authenticate(null)).isEmpty();
        assertThat(auth.authenticate(ci + " ")).isEmpty();
        assertThat(auth.size()).isEqualTo(2);
    }
}
