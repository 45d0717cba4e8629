package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.client.CorralException;
import io.corral.protocol.ErrorCode;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ClientSessionTest {

    @Test
    void clusterErrorsBecomeCliErrorsWithTheirExitCode() {
        RuntimeException translated = ClientSession.translate(new CorralException(ErrorCode.LOCK_HELD, "held"));
        assertThat(translated).isInstanceOfSatisfying(CliException.class, e -> {
            assertThat(e.code()).isEqualTo("LOCK_HELD");
            assertThat(e.exitCode()).isEqualTo(5);
        });
    }

    @Test
    void aWrappedClusterErrorIsStillFound() {
        RuntimeException wrapped = new CompletionException(
                new CorralException(ErrorCode.UNAVAILABLE, "could not reach any coordinator of [a:1]"));

        RuntimeException translated = ClientSession.translate(wrapped);

        assertThat(translated).isInstanceOfSatisfying(CliException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(4);
            assertThat(e.getMessage()).isEqualTo("could not reach any coordinator of [a:1]");
        });
    }

    @Test
    void anythingElseIsLeftAsTheBugItIs() {
        IllegalStateException bug = new IllegalStateException("boom");
        assertThat(ClientSession.translate(bug)).isSameAs(bug);
    }

    @Test
    void aMalformedCoordinatorListIsAUsageErrorBeforeAnyConnection() {
        ClusterSession.Settings settings = new ClusterSession.Settings("a:1,,b:2", 100, 100, "test");
        assertThatThrownBy(() -> ClientSession.open(settings))
                .isInstanceOfSatisfying(
                        CliException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("invalid coordinator list 'a:1,,b:2'");
    }

    @Test
    void aTimeoutOutsideTheClientsRangeIsAUsageError() {
        CliRunner.Result result = CliRunner.run(new FakeCluster(), "list", "--timeout", "0s");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--timeout must be between 1ms and 1d");
    }
}
