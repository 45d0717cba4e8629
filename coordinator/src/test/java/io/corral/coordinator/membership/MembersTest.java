package io.corral.coordinator.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.config.ConfigLoader;
import io.corral.coordinator.config.CoordinatorConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The members view: the static peers until Raft runs, the replicated configuration then, the last one after. */
public class MembersTest {
    public static CoordinatorConfig config(boolean join) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("nodeId", join ? "n4" : "n1");
        o.put("dataDir", "/tmp/unused");
        o.put("raftAddress", join ? "h4:7101" : "h1:7101");
        o.put("rpcAddress", join ? "h4:7201" : "h1:7201");
        o.put("httpAddress", join ? "h4:7301" : "h1:7301");
        o.put(
                "peers",
                ConfigLoader.parsePeersFlag(
                                "n1=h1:7101/h1:7201/h1:7301,n2=h2:7101/h2:7201/h2:7301," + "n3=h3:7101/h3:7201/h3:7301")
                        .toString());
        if (join) {
            o.put("join", "true");
        }
        return ConfigLoader.load(null, o);
    }

    @Test
    void theStaticPeersUntilRaftKnowsAConfigurationThenTheReplicatedOne() {
        Members members = new Members(config(false));
        assertThat(members.current().voterIds()).containsExactly("n1", "n2", "n3");
        assertThat(members.find("n2").orElseThrow().rpcAddress()).isEqualTo("h2:7201");

        AtomicReference<Configuration> live = new AtomicReference<>();
        members.follow(live::get);
        assertThat(members.current().voterIds()).containsExactly("n1", "n2", "n3");

        Configuration changed = Configuration.of(
                50, List.of(MembershipRulesTest.m(1), MembershipRulesTest.m(3), MembershipRulesTest.m(4)), List.of());
        live.set(changed);
        assertThat(members.current()).isEqualTo(changed);
        assertThat(members.find("n2")).isEmpty();
        assertThat(members.find("n4").orElseThrow().rpcAddress()).isEqualTo("h4:7201");

        live.set(null);
        assertThat(members.current())
                .as("the last configuration known, once Raft stops")
                .isEqualTo(changed);
    }

    @Test
    void aJoiningMemberStartsAloneAsAListener() {
        Configuration c = Members.bootstrap(config(true));
        assertThat(c.voters()).isEmpty();
        assertThat(c.listeners()).containsExactly(new Member("n4", "h4:7101", "h4:7201", "h4:7301"));
    }
}
