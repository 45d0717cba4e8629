package io.corral.jepsen.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.auth.Principal;
import io.corral.auth.Role;
import io.corral.coordinator.auth.TokenAuthenticator;
import io.corral.coordinator.auth.TokensFile;
import io.corral.coordinator.workers.WorkerIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The harness's tokens are what a coordinator accepts, with the roles and tenants the fault runs rely on. */
class ClusterTokensTest {
    private static final List<String> WORKERS = List.of("w1", "w2");

    @Test
    void theCoordinatorReadsTheTokensFileAndKnowsEachSecretAsItsPrincipal() throws Exception {
        try (ClusterTokens t = ClusterTokens.create(WORKERS)) {
            List<TokensFile.Entry> entries = TokensFile.read(t.dir().resolve(ClusterTokens.TOKENS_FILE));
            String peer =
                    Files.readString(t.dir().resolve(ClusterTokens.PEER_FILE)).strip();
            TokenAuthenticator auth = new TokenAuthenticator(entries, peer);

            assertThat(auth.authenticate(t.admin())).contains(new Principal("harness", Role.ADMIN));
            assertThat(auth.authenticate(t.submitter(0))).contains(new Principal("alice-1", Role.SUBMITTER, "alice"));
            assertThat(auth.authenticate(t.submitter(1))).contains(new Principal("bob-1", Role.SUBMITTER, "bob"));
            assertThat(auth.authenticate(t.submitter(2))).contains(new Principal("alice-2", Role.SUBMITTER, "alice"));
            assertThat(auth.authenticate(t.submitter(7))).contains(new Principal("bob-2", Role.SUBMITTER, "bob"));
            assertThat(auth.authenticate(t.probe())).contains(new Principal("probe", Role.SUBMITTER));
            assertThat(auth.authenticate(t.hostile())).contains(new Principal("mallory", Role.SUBMITTER));
            assertThat(auth.authenticate(peer)).contains(TokenAuthenticator.PEER);
            for (String w : WORKERS) {
                String secret = Files.readString(t.dir().resolve(w + ".token")).strip();
                // A worker's id is its token's tenant (or tenant.suffix): each worker token is its own tenant.
                assertThat(auth.authenticate(secret)).contains(new Principal(w, Role.WORKER));
                assertThat(WorkerIdentity.refusal(auth.authenticate(secret), w)).isNull();
            }
            assertThat(ClusterTokens.tenantOf(0)).isEqualTo("alice");
            assertThat(ClusterTokens.tenantOf(3)).isEqualTo("bob");
        }
    }

    @Test
    void secretsAreFreshPrivateFilesAndGoneAfterClose() throws Exception {
        Path dir;
        try (ClusterTokens a = ClusterTokens.create(WORKERS);
                ClusterTokens b = ClusterTokens.create(WORKERS)) {
            dir = a.dir();
            assertThat(a.admin()).isNotEqualTo(b.admin());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                    .isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("w1.token"))))
                    .isEqualTo("rw-------");
            assertThat(Files.readString(dir.resolve(ClusterTokens.TOKENS_FILE))).doesNotContain(a.admin());
            assertThat(a.coordinatorSettings())
                    .isEqualTo(Map.of(
                            "auth.tokensFile", "/etc/corral-auth/tokens.yaml",
                            "auth.peerTokenFile", "/etc/corral-auth/peer.token"));
            assertThat(a.workerTokenFile("w2")).isEqualTo("/etc/corral-auth/w2.token");
            assertThatThrownBy(() -> a.workerTokenFile("w3")).hasMessageContaining("w3");
        }
        assertThat(dir).doesNotExist();
    }
}
