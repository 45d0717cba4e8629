package io.corral.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.auth.Principal;
import io.corral.auth.Role;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Bearer tokens on the HTTP port: /health open, the rest to roles that may read the cluster's status. */
class HttpAuthTest {
    static final Map<String, Principal> KNOWN = Map.of(
            "r", new Principal("grafana", Role.READ_ONLY),
            "w", new Principal("w1", Role.WORKER),
            "p", new Principal("peer", Role.PEER));

    final HttpAuth auth = new HttpAuth(token -> Optional.ofNullable(token == null ? null : KNOWN.get(token)));

    @Test
    void healthIsOpen() {
        assertThat(auth.check("/health", null)).isNull();
    }

    @Test
    void theRestNeedsAKnownTokenOfAReadingRole() {
        assertThat(auth.check("/metrics", null).status()).isEqualTo(401);
        assertThat(auth.check("/metrics", "Basic cjpy").status()).isEqualTo(401);
        assertThat(auth.check("/metrics", "Bearer nope").status()).isEqualTo(401);
        assertThat(auth.check("/metrics", "Bearer nope").body()).doesNotContain("nope");
        assertThat(auth.check("/v1/cluster", "Bearer p").status()).isEqualTo(403);
        assertThat(auth.check("/metrics", "Bearer r")).isNull();
        assertThat(auth.check("/v1/cluster", "bearer  w ")).isNull();
        assertThat(auth.check("/nope", null).status()).isEqualTo(401);
    }

    @Test
    void readsTheBearerToken() {
        assertThat(HttpAuth.bearer("Bearer abc")).isEqualTo("abc");
        assertThat(HttpAuth.bearer("Bearer ")).isNull();
        assertThat(HttpAuth.bearer(null)).isNull();
        assertThat(HttpAuth.bearer("Token abc")).isNull();
    }
}
