package io.corral.protocol.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.Limits;
import org.junit.jupiter.api.Test;

class ServerOptionsTest {

    @Test
    void hasTheDocumentedDefaults() {
        ServerOptions options = ServerOptions.defaults();

        assertThat(options.maxFrameBytes()).isEqualTo(Limits.MAX_FRAME_BYTES);
        assertThat(options.maxInFlightPerConnection()).isEqualTo(256);
        assertThat(options.maxPreAuthFrameBytes()).isEqualTo(64 * 1024);
        assertThat(options.maxUnfinishedFrameBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(options.frameTimeoutMs()).isEqualTo(30_000);
        assertThat(options.handshakeTimeoutMs()).isEqualTo(10_000);
        assertThat(options.maxPreAuthConnectionsPerAddress()).isEqualTo(64);
    }

    @Test
    void withersChangeOneFieldOnly() {
        ServerOptions options = ServerOptions.defaults().withNodeId("c2").withMaxInFlightPerConnection(8);

        assertThat(options)
                .isEqualTo(new ServerOptions(
                        "c2",
                        Limits.MAX_FRAME_BYTES,
                        64 * 1024,
                        64L * 1024 * 1024,
                        30_000,
                        8,
                        ServerOptions.defaults().maxConnections(),
                        ServerOptions.defaults().handshakeTimeoutMs(),
                        ServerOptions.defaults().shutdownTimeoutMs(),
                        0,
                        "corral-rpc",
                        64));
    }

    @Test
    void noConfigurationExceedsTheProtocolFrameLimit() {
        assertThatThrownBy(() -> ServerOptions.defaults().withMaxFrameBytes(Limits.MAX_FRAME_BYTES + 1))
                .hasMessage("maxFrameBytes must be between 64 and 2097152, got 2097153");
        assertThatThrownBy(() -> ServerOptions.defaults().withMaxInFlightPerConnection(0))
                .hasMessageStartingWith("maxInFlightPerConnection must be between 1");
    }

    @Test
    void theUnfinishedFrameBudgetHoldsAtLeastOneFullFrame() {
        assertThatThrownBy(() -> ServerOptions.defaults().withMaxUnfinishedFrameBytes(Limits.MAX_FRAME_BYTES - 1))
                .hasMessage("maxUnfinishedFrameBytes must be between 2097152 and 1099511627776, got 2097151");
        assertThat(ServerOptions.defaults()
                        .withMaxFrameBytes(1024)
                        .withMaxUnfinishedFrameBytes(1024)
                        .maxUnfinishedFrameBytes())
                .isEqualTo(1024);
    }
}
