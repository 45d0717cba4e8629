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
    }

    @Test
    void withersChangeOneFieldOnly() {
        ServerOptions options = ServerOptions.defaults().withNodeId("c2").withMaxInFlightPerConnection(8);

        assertThat(options)
                .isEqualTo(new ServerOptions(
                        "c2",
                        Limits.MAX_FRAME_BYTES,
                        8,
                        ServerOptions.defaults().maxConnections(),
                        ServerOptions.defaults().handshakeTimeoutMs(),
                        ServerOptions.defaults().shutdownTimeoutMs(),
                        0,
                        "corral-rpc"));
    }

    @Test
    void noConfigurationExceedsTheProtocolFrameLimit() {
        assertThatThrownBy(() -> ServerOptions.defaults().withMaxFrameBytes(Limits.MAX_FRAME_BYTES + 1))
                .hasMessage("maxFrameBytes must be between 64 and 2097152, got 2097153");
        assertThatThrownBy(() -> ServerOptions.defaults().withMaxInFlightPerConnection(0))
                .hasMessageStartingWith("maxInFlightPerConnection must be between 1");
    }
}
