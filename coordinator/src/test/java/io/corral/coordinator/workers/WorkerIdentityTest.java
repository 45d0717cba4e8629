package io.corral.coordinator.workers;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.auth.Principal;
import io.corral.auth.Role;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which worker ids a credential may register as. */
class WorkerIdentityTest {
    private static Optional<Principal> worker(String name) {
        return Optional.of(new Principal(name, Role.WORKER));
    }

    @Test
    void aWorkerTokenRegistersUnderItsOwnNameOrBelowIt() {
        assertThat(WorkerIdentity.refusal(worker("render"), "render")).isNull();
        assertThat(WorkerIdentity.refusal(worker("render"), "render.gpu-2")).isNull();
    }

    @Test
    void aWorkerTokenCannotRegisterAsAnotherTokensWorker() {
        assertThat(WorkerIdentity.refusal(worker("b"), "a"))
                .isEqualTo(
                        "the worker token 'b' may register as worker 'b' or 'b.<anything>', not 'a' (set the worker's id: corral-worker --id, or id: in its config)");
        assertThat(WorkerIdentity.refusal(worker("b"), "bob")).isNotNull();
        assertThat(WorkerIdentity.refusal(worker("b"), "a.b")).isNotNull();
    }

    @Test
    void anAdminOrAClusterWithoutTokensRegistersAnyId() {
        assertThat(WorkerIdentity.refusal(Optional.of(new Principal("ops", Role.ADMIN)), "anything"))
                .isNull();
        assertThat(WorkerIdentity.refusal(Optional.empty(), "anything")).isNull();
    }
}
