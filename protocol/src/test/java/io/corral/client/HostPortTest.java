package io.corral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostPortTest {

    @Test
    void parsesHostsNamesAndIpv6() {
        assertThat(HostPort.parse("10.0.0.1:7400")).isEqualTo(new HostPort("10.0.0.1", 7400));
        assertThat(HostPort.parse(" node-1.example:1 ")).isEqualTo(new HostPort("node-1.example", 1));
        assertThat(HostPort.parse("[::1]:65535")).isEqualTo(new HostPort("::1", 65535));
    }

    @Test
    void printsWhatItParses() {
        for (String text : List.of("10.0.0.1:7400", "node-1:7400", "[::1]:7400", "[fe80::1]:1")) {
            assertThat(HostPort.parse(text)).hasToString(text);
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            `host`          | 'host' is not host:port (such as 10.0.0.1:7400)
            `host:`         | 'host:' is not host:port (such as 10.0.0.1:7400)
            `:7400`         | ':7400' is not host:port (such as 10.0.0.1:7400)
            `host:http`     | port 'http' in 'host:http' is not a number
            `host:-1`       | port '-1' in 'host:-1' is not a number
            `host:0`        | port 0 in 'host:0' is out of range 1..65535
            `host:65536`    | port 65536 in 'host:65536' is out of range 1..65535
            `host:123456`   | port '123456' in 'host:123456' is not a number
            `::1:7400`      | '::1:7400': write an IPv6 host in brackets, such as [::1]:7400
            `[::1:7400`     | '[::1:7400' has an unbalanced [ ] around an IPv6 host
            `` | empty address; expected host:port such as 10.0.0.1:7400
            """)
    void refusesBadAddressesClearly(String text, String message) {
        assertThatThrownBy(() -> HostPort.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void parsesLists() {
        assertThat(HostPort.parseList("a:1, b:2 ,[::1]:3"))
                .containsExactly(new HostPort("a", 1), new HostPort("b", 2), new HostPort("::1", 3));
        assertThat(HostPort.parseList("a:1")).containsExactly(new HostPort("a", 1));
    }

    @Test
    void refusesBadListsClearly() {
        assertThatThrownBy(() -> HostPort.parseList(""))
                .hasMessage("no coordinator addresses; expected host:port,host:port,...");
        assertThatThrownBy(() -> HostPort.parseList("a:1,,b:2")).hasMessage("entry 2 of 'a:1,,b:2' is empty");
        assertThatThrownBy(() -> HostPort.parseList("a:1,")).hasMessage("entry 2 of 'a:1,' is empty");
        assertThatThrownBy(() -> HostPort.parseList("a:1,b"))
                .hasMessage("'b' is not host:port (such as 10.0.0.1:7400)");
        assertThatThrownBy(() -> HostPort.parseList("a:1,a:1")).hasMessage("a:1 appears twice in 'a:1,a:1'");
    }

    @Test
    void validatesDirectConstruction() {
        assertThatThrownBy(() -> new HostPort(" ", 1)).hasMessage("host must not be empty");
        assertThatThrownBy(() -> new HostPort("h", 0)).hasMessage("port 0 of h is out of range 1..65535");
    }
}
