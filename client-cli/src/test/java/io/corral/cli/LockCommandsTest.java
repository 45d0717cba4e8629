package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.LockView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.codec.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class LockCommandsTest {
    static final long EXPIRES_MS = 1_714_564_830_000L;

    private final FakeCluster cluster = new FakeCluster()
            .on(Request.AcquireLock.class, r -> new Response.LockGranted(r.name(), r.owner(), 42, EXPIRES_MS));

    @Test
    void acquirePrintsTheTokenAlone() {
        CliRunner.Result result = CliRunner.run(cluster, "lock", "acquire", "report", "--ttl", "30s", "--owner", "me");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).isEqualTo("42" + System.lineSeparator());
        assertThat(cluster.requests).containsExactly(new Request.AcquireLock("report", "me", 30_000, 0));
        assertThat(cluster.retried).isEmpty();
    }

    @Test
    void acquireJsonHasTokenNameOwnerAndExpiry() throws Exception {
        CliRunner.Result result = CliRunner.run(cluster, "-o", "json", "lock", "acquire", "report", "--ttl", "1h30m");

        JsonNode json = Json.mapper().readTree(result.out());
        assertThat(json.get("token").asLong()).isEqualTo(42);
        assertThat(json.get("name").asText()).isEqualTo("report");
        assertThat(json.get("owner").asText()).contains("@");
        assertThat(json.get("expiresAtMs").asLong()).isEqualTo(EXPIRES_MS);
        assertThat(((Request.AcquireLock) cluster.requests.get(0)).ttlMs()).isEqualTo(5_400_000);
    }

    @Test
    void waitingAcquireGetsARequestTimeoutLongerThanItsWait() {
        CliRunner.run(cluster, "lock", "acquire", "report", "--ttl", "10s", "--wait", "2m");

        Request.AcquireLock sent = (Request.AcquireLock) cluster.requests.get(0);
        assertThat(sent.ttlMs()).isEqualTo(10_000);
        assertThat(sent.waitMs()).isEqualTo(120_000);
        assertThat(cluster.connections.get(0).requestTimeoutMs()).isGreaterThan(120_000);
    }

    @Test
    void heldLockExitsFive() throws Exception {
        FakeCluster held =
                new FakeCluster().fail(Request.AcquireLock.class, ErrorCode.LOCK_HELD, "lock 'report' is held");

        CliRunner.Result result = CliRunner.run(held, "lock", "acquire", "report", "--ttl", "30s", "-o", "json");

        assertThat(result.exitCode()).isEqualTo(5);
        assertThat(result.err()).isEqualTo("corral: lock 'report' is held" + System.lineSeparator());
        JsonNode error = Json.mapper().readTree(result.out()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("LOCK_HELD");
    }

    @Test
    void ttlOutsideTheProtocolLimitsIsRefusedLocally() {
        CliRunner.Result result = CliRunner.run(cluster, "lock", "acquire", "report", "--ttl", "10ms");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--ttl must be between 100ms and 1d");
        assertThat(cluster.connections).isEmpty();
    }

    @Test
    void missingTtlAndBadDurationAreUsageErrors() {
        assertThat(CliRunner.run(cluster, "lock", "acquire", "report").err()).contains("--ttl");
        CliRunner.Result bad = CliRunner.run(cluster, "lock", "acquire", "report", "--ttl", "30");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("duration '30' has no unit");
    }

    @Test
    void staleTokenOnReleaseExitsSix() {
        FakeCluster stale =
                new FakeCluster().fail(Request.ReleaseLock.class, ErrorCode.STALE_TOKEN, "token 41 is not current");

        CliRunner.Result result = CliRunner.run(stale, "lock", "release", "report", "--token", "41");

        assertThat(result.exitCode()).isEqualTo(6);
        assertThat(stale.requests).containsExactly(new Request.ReleaseLock("report", 41));
    }

    @Test
    void releaseAndRenewConfirm() {
        FakeCluster c = new FakeCluster()
                .on(Request.ReleaseLock.class, r -> new Response.LockReleased(r.name(), r.token()))
                .on(Request.RenewLock.class, r -> new Response.LockGranted(r.name(), "me", r.token(), EXPIRES_MS));

        assertThat(CliRunner.run(c, "lock", "release", "report", "--token", "42")
                        .out())
                .startsWith("released report (token 42)");
        assertThat(CliRunner.run(c, "lock", "renew", "report", "--token", "42").out())
                .startsWith("renewed report (token 42) until 2024-05-01T12:00:30Z");
    }

    @Test
    void listAndShow() throws Exception {
        LockView view = new LockView("report", "me@host", 42, 30_000, EXPIRES_MS - 30_000, EXPIRES_MS, 1);
        FakeCluster c = new FakeCluster()
                .on(Request.ListLocks.class, r -> new Response.LockList(List.of(view)))
                .on(Request.GetLock.class, r -> new Response.LockDetail(view));

        CliRunner.Result list = CliRunner.run(c, "lock", "list", "--stale");
        assertThat(list.out())
                .startsWith("NAME    OWNER    TOKEN  TTL  ACQUIRED              EXPIRES               WAITERS")
                .contains("report  me@host  42     30s  2024-05-01T12:00:00Z  2024-05-01T12:00:30Z  1");
        CliRunner.Result show = CliRunner.run(c, "lock", "show", "report", "-o", "json");
        assertThat(Json.mapper().readTree(show.out()).get("token").asLong()).isEqualTo(42);
        assertThat(c.requests).containsExactly(new Request.ListLocks(true), new Request.GetLock("report", false));
    }

    @Test
    void showOfAFreeLockExitsThree() {
        FakeCluster c = new FakeCluster().fail(Request.GetLock.class, ErrorCode.NOT_FOUND, "lock 'x' is not held");
        assertThat(CliRunner.run(c, "lock", "show", "x").exitCode()).isEqualTo(3);
    }
}
