package io.corral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.Limits;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientOptionsTest {
    private static final List<HostPort> ONE = List.of(new HostPort("a", 1));

    @Test
    void hasTheDocumentedDefaults() {
        ClientOptions options = ClientOptions.builder(ONE).build();

        assertThat(options.connectTimeoutMs()).isEqualTo(3_000);
        assertThat(options.requestTimeoutMs()).isEqualTo(30_000);
        assertThat(options.maxFrameBytes()).isEqualTo(Limits.MAX_FRAME_BYTES);
        assertThat(options.clientName()).isEqualTo("corral-client");
    }

    @Test
    void copiesTheCoordinatorList() {
        List<HostPort> list = new ArrayList<>(ONE);
        ClientOptions options = ClientOptions.builder(list).build();
        list.add(new HostPort("b", 2));

        assertThat(options.coordinators()).containsExactly(new HostPort("a", 1));
    }

    @Test
    void refusesOutOfRangeValuesNamingTheField() {
        assertThatThrownBy(() -> ClientOptions.builder(List.of()).build())
                .hasMessage("at least one coordinator address is needed");
        assertThatThrownBy(() -> ClientOptions.builder(ONE).requestTimeoutMs(0).build())
                .hasMessage("requestTimeoutMs must be between 1 and 86400000, got 0");
        assertThatThrownBy(() -> ClientOptions.builder(ONE)
                        .maxFrameBytes(Limits.MAX_FRAME_BYTES + 1)
                        .build())
                .hasMessageStartingWith("maxFrameBytes must be between 64 and 2097152");
        assertThatThrownBy(() -> ClientOptions.builder(ONE)
                        .backoffBaseMs(100)
                        .backoffMaxMs(10)
                        .build())
                .hasMessage("backoffMaxMs must be between 100 and 600000, got 10");
    }
}
