package io.corral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.throwable;
import static org.awaitility.Awaitility.await;

import io.corral.protocol.Envelope;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import io.corral.protocol.PeerView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.testing.FakeHandler;
import io.corral.protocol.testing.ScriptedServer;
import io.corral.protocol.transport.RpcServer;
import io.corral.protocol.transport.ServerOptions;
import io.corral.protocol.transport.Session;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CorralClientTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void connectsAndCalls() throws IOException {
        RpcServer server = server(new FakeHandler(), "c1");
        CorralClient client = client(options(server).clientName("test-cli"));

        Response.JobSubmitted answer = client.call(new Request.GetJob("j-1", false), Response.JobSubmitted.class);

        assertThat(answer).isEqualTo(new Response.JobSubmitted("j-1", false));
        assertThat(client.connectedTo()).contains(hostPort(server));
    }

    @Test
    void turnsAnErrorReplyIntoAnExceptionWithItsCode() throws IOException {
        CorralClient client = client(options(server(new FakeHandler(), "c1")));

        assertThatThrownBy(() -> client.call(new Request.GetJob("missing", false), Response.JobSubmitted.class))
                .isInstanceOfSatisfying(CorralException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
                    assertThat(e).hasMessage("no job missing");
                });
    }

    @Test
    void refusesAnAnswerOfTheWrongType() throws IOException {
        CorralClient client = client(options(server(new FakeHandler(), "c1")));

        assertThatThrownBy(() -> client.call(new Request.GetJob("j-1", false), Response.Ack.class))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessage("expected Ack in answer to GetJob, got JobSubmitted");
    }

    @Test
    void failsToConnectWhenNoCoordinatorListens() throws IOException {
        List<HostPort> nobody = List.of(freePort(), freePort());
        ClientOptions options = ClientOptions.builder(nobody)
                .connectRounds(2)
                .backoffBaseMs(10)
                .backoffMaxMs(20)
                .build();

        assertThatThrownBy(() -> CorralClient.connect(options))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                .hasMessageStartingWith("could not reach any coordinator of " + nobody + ": cannot connect to ");
    }

    @Test
    void aLazyClientStartsWithNobodyListeningAndConnectsOnceACoordinatorIsUp() throws Exception {
        HostPort later = freePort();
        ClientOptions options = ClientOptions.builder(List.of(later))
                .connectRounds(1)
                .backoffBaseMs(1)
                .backoffMaxMs(2)
                .build();
        CorralClient client = CorralClient.connectLazily(options);
        resources.add(client);
        assertThat(client.connectedTo()).isEmpty();
        assertThatThrownBy(() -> client.call(new Request.GetJob("j-1", false), Response.JobSubmitted.class))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));

        FakeHandler handler = new FakeHandler();
        resources.add(RpcServer.start(
                new InetSocketAddress(later.host(), later.port()),
                handler,
                ServerOptions.defaults().withNodeId("c1").withIoThreads(1).withShutdownTimeoutMs(100)));

        assertThat(client.call(new Request.GetJob("j-2", false), Response.JobSubmitted.class)
                        .jobId())
                .isEqualTo("j-2");
    }

    @Test
    void reportsAVersionRefusalWithItsOwnCode() throws Exception {
        ScriptedServer refusing = scripted(peer -> {
            Envelope hello = peer.receive();
            peer.send(
                    hello.id(),
                    new Response.ErrorReply(
                            ErrorCode.UNSUPPORTED_VERSION, "client speaks version 1," + " this coordinator speaks 2"));
        });
        ClientOptions options = ClientOptions.builder(List.of(hostPort(refusing.address())))
                .backoffBaseMs(1)
                .build();

        assertThatThrownBy(() -> CorralClient.connect(options))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION))
                .hasMessageContaining("refused the connection: client speaks version 1, this coordinator speaks 2");
    }

    @Test
    void sendsItsVersionAndNameInHello() throws Exception {
        BlockingQueue<Request.Hello> hellos = new LinkedBlockingQueue<>();
        ScriptedServer server = scripted(peer -> {
            hellos.add(ScriptedServer.welcome(peer));
            peer.closedByPeer();
        });
        client(ClientOptions.builder(List.of(hostPort(server.address()))).clientName("agent-7"));

        assertThat(hellos.poll(10, TimeUnit.SECONDS)).isEqualTo(new Request.Hello(Limits.PROTOCOL_VERSION, "agent-7"));
    }

    @Test
    void failsOverToTheNextCoordinatorWhenTheConnectionDrops() throws IOException {
        RpcServer first = server(new FakeHandler(), "c1");
        RpcServer second = server(new FakeHandler(), "c2");
        CorralClient client = client(ClientOptions.builder(List.of(hostPort(first), hostPort(second))));
        HostPort original = client.connectedTo().orElseThrow();
        RpcServer connected = original.equals(hostPort(first)) ? first : second;
        RpcServer other = connected == first ? second : first;

        connected.close();
        await().atMost(WAIT).until(() -> client.connectedTo().isEmpty());
        Response.JobSubmitted answer = client.call(new Request.GetJob("j-2", false), Response.JobSubmitted.class);

        assertThat(answer.jobId()).isEqualTo("j-2");
        assertThat(client.connectedTo()).contains(hostPort(other));
    }

    @Test
    void tellsItsLossListenersWhenTheCoordinatorDropsTheConnectionButNotWhenItMovesOrCloses() throws Exception {
        FakeHandler handler = new FakeHandler();
        RpcServer first = server(handler, "c1");
        RpcServer second = server(new FakeHandler(), "c2");
        CorralClient client = client(ClientOptions.builder(List.of(hostPort(first), hostPort(second))));
        AtomicInteger lost = new AtomicInteger();
        client.onConnectionLost(lost::incrementAndGet);

        // Moving is not losing.
        HostPort here = client.connectedTo().orElseThrow();
        HostPort there = here.equals(hostPort(first)) ? hostPort(second) : hostPort(first);
        client.reconnectTo(there);
        await().atMost(WAIT).until(() -> client.connectedTo().equals(Optional.of(there)));
        client.reconnectTo(hostPort(first));
        await().atMost(WAIT).until(() -> client.connectedTo().equals(Optional.of(hostPort(first))));
        client.call(new Request.GetJob("j-1", false), Response.JobSubmitted.class);
        assertThat(lost).hasValue(0);

        // The coordinator drops it: the listener hears at once, before any request.
        handler.sessions.stream().filter(Session::isOpen).forEach(Session::close);
        await().atMost(WAIT).until(() -> lost.get() == 1);

        client.call(new Request.GetJob("j-2", false), Response.JobSubmitted.class);
        client.close();
        assertThat(lost).hasValue(1);
    }

    @Test
    void failsRequestsInFlightOnADroppedConnectionAsOutcomeUnknown() throws Exception {
        FakeHandler handler = new FakeHandler();
        RpcServer server = server(handler, "c1");
        CorralClient client = client(options(server));

        CompletableFuture<Response> inFlight = client.send(new Request.GetJob("hold", false));
        take(handler.held);
        take(handler.sessions).close();

        assertThatThrownBy(() -> inFlight.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .extracting(Throwable::getCause, throwable(CorralException.class))
                .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                .hasMessage("connection to " + hostPort(server) + " lost; the outcome of GetJob is unknown");
        // The next call reconnects (to the same, only coordinator).
        assertThat(client.call(new Request.GetJob("j-3", false), Response.JobSubmitted.class)
                        .jobId())
                .isEqualTo("j-3");
    }

    @Test
    void deliversPushesToListeners() throws Exception {
        CorralClient client = client(options(server(new FakeHandler(), "c1")));
        BlockingQueue<Response> pushes = new LinkedBlockingQueue<>();
        client.onPush(pushes::add);

        client.call(new Request.GetJob("push", false), Response.Ack.class);

        assertThat(pushes.poll(10, TimeUnit.SECONDS)).isEqualTo(new Response.LeaderTransferred("pushed"));
    }

    @Test
    void timesOutARequestAndKeepsTheConnection() throws IOException {
        FakeHandler handler = new FakeHandler();
        CorralClient client = client(options(server(handler, "c1")));

        assertThatThrownBy(() -> client.call(new Request.GetJob("hold", false), Response.Ack.class, 50))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT))
                .hasMessageEndingWith("within 50 ms; its outcome is unknown");
        assertThat(client.call(new Request.GetJob("j-4", false), Response.JobSubmitted.class)
                        .jobId())
                .isEqualTo("j-4");
    }

    @Test
    void retriesRetryableErrorsUpToTheAttemptLimit() throws IOException {
        FakeHandler handler = new FakeHandler();
        CorralClient client =
                client(options(server(handler, "c1")).backoffBaseMs(1).backoffMaxMs(5));

        handler.flakyFailures = 2;
        assertThat(client.callWithRetry(new Request.GetJob("flaky", false), Response.JobSubmitted.class, 3)
                        .jobId())
                .isEqualTo("flaky");
        assertThat(handler.calls).hasValue(3);

        handler.flakyFailures = 2;
        assertThatThrownBy(() -> client.callWithRetry(new Request.GetJob("flaky", false), Response.Ack.class, 2))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.OVERLOADED));
    }

    @Test
    void doesNotRetryNonRetryableErrors() throws IOException {
        FakeHandler handler = new FakeHandler();
        CorralClient client = client(options(server(handler, "c1")).backoffBaseMs(1));

        assertThatThrownBy(() -> client.callWithRetry(new Request.GetJob("missing", false), Response.Ack.class, 5))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThat(handler.calls).hasValue(1);
    }

    /** A lock wait: the coordinator answers LockQueued first, then LockGranted, both with the request's id. */
    @Test
    void treatsLockQueuedAsAnInterimAnswer() throws Exception {
        ScriptedServer server = scripted(peer -> {
            ScriptedServer.welcome(peer);
            Envelope acquire = peer.receive();
            peer.send(acquire.id(), new Response.LockQueued("l", 1, 99));
            peer.send(acquire.id(), new Response.LockGranted("l", "me", 42, 1000));
            peer.closedByPeer();
        });
        CorralClient client = client(ClientOptions.builder(List.of(hostPort(server.address()))));
        BlockingQueue<Response> pushes = new LinkedBlockingQueue<>();
        client.onPush(pushes::add);

        Response.LockGranted granted =
                client.call(new Request.AcquireLock("l", "me", 1000, 5000), Response.LockGranted.class);

        assertThat(granted.token()).isEqualTo(42);
        assertThat(pushes.poll(10, TimeUnit.SECONDS)).isEqualTo(new Response.LockQueued("l", 1, 99));
    }

    @Test
    void refusesToSendHelloOrOversizedRequests() throws IOException {
        CorralClient client = client(options(server(new FakeHandler(), "c1")).maxFrameBytes(1024));

        assertThatThrownBy(() -> client.call(new Request.Hello(1, "x"), Response.Welcome.class))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
        assertThatThrownBy(() -> client.call(new Request.PutChunk("s", 2000, 0, new byte[2000]), Response.Ack.class))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_LARGE))
                .hasMessageContaining("more than the frame limit of 1024 bytes");
        assertThat(client.call(new Request.GetJob("j-5", false), Response.JobSubmitted.class)
                        .jobId())
                .isEqualTo("j-5");
    }

    @Test
    void aClosedClientRefusesWorkAndFailsWhatWasInFlight() throws Exception {
        FakeHandler handler = new FakeHandler();
        CorralClient client =
                CorralClient.connect(options(server(handler, "c1")).build());
        CompletableFuture<Response> inFlight = client.send(new Request.GetJob("hold", false));
        take(handler.held);

        client.close();

        assertThatThrownBy(() -> inFlight.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(CorralException.class)
                .hasMessageContaining("outcome of GetJob is unknown");
        assertThatThrownBy(() -> client.send(new Request.GetJob("j", false))).isInstanceOf(IllegalStateException.class);
        assertThat(client.connectedTo()).isEmpty();
        client.close();
    }

    @Test
    void carriesManyConcurrentRequestsOnOneConnection() throws Exception {
        FakeHandler handler = new FakeHandler();
        CorralClient client = client(options(server(handler, "c1")));
        List<CompletableFuture<Response>> answers = new ArrayList<>();

        for (int i = 0; i < 200; i++) {
            answers.add(client.send(new Request.GetJob("j-" + i, false)));
        }

        for (int i = 0; i < 200; i++) {
            assertThat(answers.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(new Response.JobSubmitted("j-" + i, false));
        }
        assertThat(handler.sessions.stream().map(Session::id).distinct()).hasSize(1);
    }

    /** A membership answer naming {@code leaderId} at {@code leaderRpc} among two members. */
    private static Response.Membership membership(String leaderId, String leaderRpc, String otherRpc) {
        return new Response.Membership(
                leaderId,
                3,
                false,
                10,
                List.of(
                        new PeerView(leaderId, "127.0.0.1:1", leaderRpc, null, "VOTER", -1, -1),
                        new PeerView("other", "127.0.0.1:2", otherRpc, null, "VOTER", -1, -1)));
    }

    /** A follower and a leader, both naming the leader when asked who leads. */
    private record TwoMembers(FakeHandler atFollower, FakeHandler atLeader, RpcServer follower, RpcServer leader) {
        List<HostPort> addresses() {
            return List.of(hostPort(follower), hostPort(leader));
        }
    }

    private TwoMembers twoMembers() throws IOException {
        FakeHandler atFollower = new FakeHandler();
        FakeHandler atLeader = new FakeHandler();
        RpcServer follower = server(atFollower, "f");
        RpcServer leader = server(atLeader, "l");
        Response.Membership view =
                membership("l", hostPort(leader).toString(), hostPort(follower).toString());
        atFollower.membership = view;
        atLeader.membership = view;
        return new TwoMembers(atFollower, atLeader, follower, leader);
    }

    @Test
    void withFollowLeaderAClientThatReachesAFollowerMovesToTheLeaderItNames() throws IOException {
        TwoMembers members = twoMembers();
        FakeHandler atFollower = members.atFollower();
        RpcServer follower = members.follower();
        RpcServer leader = members.leader();
        CorralClient client = client(ClientOptions.builder(members.addresses()).followLeader(true));

        // Wherever it connected first, it is at the leader now; sent to the follower, it moves on again.
        assertThat(client.connectedTo()).contains(hostPort(leader));
        client.reconnectTo(hostPort(follower));
        client.call(new Request.GetJob("j-1", false), Response.JobSubmitted.class);

        assertThat(client.connectedTo()).contains(hostPort(leader));
        assertThat(atFollower.membershipAsked.get()).isPositive();
        await().atMost(Duration.ofSeconds(5)).until(() -> !atFollower.closed.isEmpty());
        assertThat(atFollower.calls.get()).isEqualTo(atFollower.membershipAsked.get());
    }

    @Test
    void aClientStaysWhereItIsWhenTheLeaderIsNotConfiguredOrDoesNotAnswer() throws IOException {
        FakeHandler atFollower = new FakeHandler();
        RpcServer follower = server(atFollower, "f");
        HostPort nobody = freePort();
        // The leader's address is not one of the client's: it never connects to an address it was not given.
        atFollower.membership =
                membership("l", "127.0.0.1:1", hostPort(follower).toString());
        CorralClient unconfigured = client(
                ClientOptions.builder(List.of(hostPort(follower), nobody)).followLeader(true));
        assertThat(unconfigured.connectedTo()).contains(hostPort(follower));

        // The leader is configured but refuses the connection: the follower still forwards, so the client stays.
        atFollower.membership =
                membership("l", nobody.toString(), hostPort(follower).toString());
        CorralClient unreachable = client(
                ClientOptions.builder(List.of(hostPort(follower), nobody)).followLeader(true));
        assertThat(unreachable.call(new Request.GetJob("j-2", false), Response.JobSubmitted.class))
                .isEqualTo(new Response.JobSubmitted("j-2", false));
        assertThat(unreachable.connectedTo()).contains(hostPort(follower));
        assertThat(atFollower.membershipAsked.get()).isEqualTo(2);
    }

    @Test
    void withoutFollowLeaderAClientNeverAsksWhoLeads() throws IOException {
        TwoMembers members = twoMembers();
        FakeHandler atFollower = members.atFollower();
        FakeHandler atLeader = members.atLeader();
        RpcServer follower = members.follower();
        CorralClient client = client(ClientOptions.builder(members.addresses()));

        client.reconnectTo(hostPort(follower));
        client.call(new Request.GetJob("j-3", false), Response.JobSubmitted.class);

        assertThat(client.connectedTo()).contains(hostPort(follower));
        assertThat(atFollower.membershipAsked.get() + atLeader.membershipAsked.get())
                .isZero();
    }

    private RpcServer server(FakeHandler handler, String nodeId) throws IOException {
        RpcServer server = RpcServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                handler,
                ServerOptions.defaults().withNodeId(nodeId).withIoThreads(1).withShutdownTimeoutMs(100));
        resources.add(server);
        return server;
    }

    private ScriptedServer scripted(ScriptedServer.Script script) throws IOException {
        ScriptedServer server = new ScriptedServer(script);
        resources.add(server);
        return server;
    }

    private CorralClient client(ClientOptions.Builder options) {
        CorralClient client = CorralClient.connect(options.build());
        resources.add(client);
        return client;
    }

    private static ClientOptions.Builder options(RpcServer server) {
        return ClientOptions.builder(List.of(hostPort(server)));
    }

    private static HostPort hostPort(RpcServer server) {
        return hostPort(server.boundAddress());
    }

    private static HostPort hostPort(InetSocketAddress address) {
        return new HostPort(address.getAddress().getHostAddress(), address.getPort());
    }

    /** A port nobody listens on: bound once by the OS, then released. */
    private static HostPort freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return new HostPort("127.0.0.1", socket.getLocalPort());
        }
    }

    private static <T> T take(BlockingQueue<T> queue) throws InterruptedException {
        T item = queue.poll(10, TimeUnit.SECONDS);
        assertThat(item).as("nothing arrived within 10 s").isNotNull();
        return item;
    }
}
