package io.corral.coordinator.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.auth.Principal;
import io.corral.auth.Role;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Every request is checked against the role table before the coordinator sees it; a refused one changes nothing. */
class AuthorizationTest {
    final AtomicInteger handled = new AtomicInteger();
    final RpcMetrics metrics = new RpcMetrics();
    final Authorization authorization = new Authorization(
            (request, session) -> {
                handled.incrementAndGet();
                return CompletableFuture.completedFuture(new Response.Ack());
            },
            metrics);

    Response send(Role role, Request request) {
        return authorization
                .handle(request, TestSession.of(new Principal("who", role)))
                .join();
    }

    @Test
    void anAllowedRequestReachesTheCoordinator() {
        assertThat(send(Role.SUBMITTER, new Request.SubmitJob(List.of(), List.of(), 0, 1, Map.of(), null)))
                .isEqualTo(new Response.Ack());
        assertThat(send(Role.WORKER, new Request.Heartbeat("w", List.of(), 1))).isEqualTo(new Response.Ack());
        assertThat(send(Role.ADMIN, new Request.TakeSnapshot())).isEqualTo(new Response.Ack());
        assertThat(handled).hasValue(3);
    }

    @Test
    void aForbiddenRequestIsRefusedWithPermissionDeniedAndNeverHandled() {
        assertThat(send(Role.READ_ONLY, new Request.CancelJob("job-1")))
                .isEqualTo(new Response.ErrorReply(
                        ErrorCode.PERMISSION_DENIED,
                        "'who' (role read-only) may not send CancelJob (allowed roles: admin, submitter)"));
        assertThat(send(Role.WORKER, new Request.SubmitJob(List.of(), List.of(), 0, 1, Map.of(), null)))
                .isInstanceOfSatisfying(
                        Response.ErrorReply.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED));
        assertThat(send(Role.SUBMITTER, new Request.TransferLeader("n2")))
                .isEqualTo(new Response.ErrorReply(
                        ErrorCode.PERMISSION_DENIED,
                        "'who' (role submitter) may not send TransferLeader (allowed roles: admin)"));
        assertThat(handled).hasValue(0);
        assertThat(metrics.errors()).containsKey("CancelJob\u0000PERMISSION_DENIED");
    }

    @Test
    void aSessionWithoutAPrincipalIsUnauthenticated() {
        Response r = authorization
                .handle(new Request.ListLocks(false), TestSession.of(null))
                .join();

        assertThat(r).isInstanceOfSatisfying(Response.ErrorReply.class, e -> assertThat(e.code())
                .isEqualTo(ErrorCode.UNAUTHENTICATED));
        assertThat(handled).hasValue(0);
    }
}
