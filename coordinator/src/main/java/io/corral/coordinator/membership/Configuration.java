package io.corral.coordinator.membership;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Raft configuration a member knows: who votes, who only listens, and, while a change is under way, the voters of
 * the configuration being left (Raft's joint consensus). Lists are sorted by id.
 *
 * @param index the log index of the configuration entry; -1 for a configuration no log holds yet (the bootstrap one)
 * @param changing a change is under way: a joint configuration, or one whose entry is not committed yet
 */
public record Configuration(
        long index, List<Member> voters, List<Member> listeners, List<Member> previousVoters, boolean changing) {
    private static final Comparator<Member> BY_ID = Comparator.comparing(Member::id);

    public Configuration {
        voters = sorted(voters);
        listeners = sorted(listeners);
        previousVoters = sorted(previousVoters);
    }

    /** A stable configuration. */
    public static Configuration of(long index, List<Member> voters, List<Member> listeners) {
        return new Configuration(index, voters, listeners, List.of(), false);
    }

    private static List<Member> sorted(List<Member> members) {
        return members.stream().sorted(BY_ID).toList();
    }

    public Optional<Member> find(String id) {
        return everyone().stream().filter(m -> m.id().equals(id)).findFirst();
    }

    public boolean isVoter(String id) {
        return voters.stream().anyMatch(m -> m.id().equals(id));
    }

    public boolean isListener(String id) {
        return listeners.stream().anyMatch(m -> m.id().equals(id));
    }

    /** Voters, listeners, then voters being removed by the change under way: every member to reach. */
    public List<Member> everyone() {
        List<Member> all = new ArrayList<>(voters);
        all.addAll(listeners);
        previousVoters.stream()
                .filter(p -> all.stream().noneMatch(m -> m.id().equals(p.id())))
                .forEach(all::add);
        return all;
    }

    public List<String> voterIds() {
        return voters.stream().map(Member::id).toList();
    }

    public List<String> listenerIds() {
        return listeners.stream().map(Member::id).toList();
    }

    /** Voters of the configuration being left that the new one drops (empty when no change is under way). */
    public List<Member> leaving() {
        return previousVoters.stream()
                .filter(p -> Stream.concat(voters.stream(), listeners.stream()).noneMatch(m -> m.id().equals(p.id())))
                .toList();
    }
}
