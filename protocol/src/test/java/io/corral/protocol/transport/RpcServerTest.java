package io.corral.protocol.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.protocol.Envelope;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.Response.ErrorReply;
import io.corral.protocol.codec.Json;
import io.corral.protocol.testing.FakeHandler;
import io.corral.protocol.testing.FrameSocket;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The server's protocol rules, checked over real sockets with a client that is not the one under test. */
class RpcServerTest {
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 0);

    private final FakeHandler handler = new FakeHandler();
    private RpcServer server;

    private InetSocketAddress start(ServerOptions options) throws IOException {
        server = RpcServer.start(LOCAL, handler, options.withNodeId("node-a").withIoThreads(2));
        return server.boundAddress();
    }

    private InetSocketAddress start() throws IOException {
        return start(ServerOptions.defaults());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void welcomesAClientSpeakingItsVersion() throws Exception {
        try (FrameSocket client = FrameSocket.connect(start())) {
            client.send(1, new Request.Hello(Limits.PROTOCOL_VERSION, "cli"));

            assertThat(client.receive())
                    .isEqualTo(new Envelope(1, new Response.Welcome(Limits.PROTOCOL_VERSION, "node-a")));
            client.send(2, new Request.GetJob("j-1", false));
            assertThat(client.receive()).isEqualTo(new Envelope(2, new Response.JobSubmitted("j-1", false)));
            assertThat(take(handler.sessions).clientName()).isEqualTo("cli");
        }
    }

    @Test
    void isResponsiveWhileServingAndNotOnceClosed() throws IOException {
        start();
        assertThat(server.responsive(10_000)).isTrue();

        server.close();

        assertThat(server.responsive(10_000)).isFalse();
    }

    @Test
    void refusesAnotherProtocolVersionAndCloses() throws IOException {
        try (FrameSocket client = FrameSocket.connect(start())) {
            client.send(1, new Request.Hello(99, "from-the-future"));

            assertThat(client.receive())
                    .isEqualTo(error(
                            1,
                            ErrorCode.UNSUPPORTED_VERSION,
                            "client speaks version 99, this coordinator" + " speaks " + Limits.PROTOCOL_VERSION));
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void refusesARequestBeforeHelloAndCloses() throws IOException {
        try (FrameSocket client = FrameSocket.connect(start())) {
            client.send(1, new Request.GetJob("j-1", false));

            assertThat(client.receive())
                    .isEqualTo(error(1, ErrorCode.BAD_REQUEST, "expected Hello as the first message, got GetJob"));
            assertThat(client.closedByPeer()).isTrue();
            assertThat(handler.calls).hasValue(0);
        }
    }

    @Test
    void refusesAnOversizedFrameAndCloses() throws IOException {
        try (FrameSocket client = FrameSocket.connectAndHello(start())) {
            client.sendLengthPrefix(Limits.MAX_FRAME_BYTES + 1L);

            assertThat(client.receive())
                    .isEqualTo(error(
                            0, ErrorCode.TOO_LARGE, "frame of 2097153 bytes exceeds the limit of 2097152" + " bytes"));
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void appliesAConfiguredFrameLimit() throws IOException {
        try (FrameSocket client =
                FrameSocket.connectAndHello(start(ServerOptions.defaults().withMaxFrameBytes(1024)))) {
            Request chunk = new Request.PutChunk("s", 2000, 0, new byte[2000]);
            int frameBytes = Json.encode(new Envelope(2, chunk)).length;
            client.send(2, chunk);

            assertThat(client.receive())
                    .isEqualTo(error(
                            0,
                            ErrorCode.TOO_LARGE,
                            "frame of " + frameBytes + " bytes exceeds the limit of 1024 bytes"));
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void answersMalformedJsonAndKeepsTheConnection() throws IOException {
        try (FrameSocket client = FrameSocket.connectAndHello(start())) {
            client.sendJson("{\"id\":5,\"message\":");

            Envelope answer = client.receive();
            assertThat(answer.id()).isZero();
            assertThat(((ErrorReply) answer.message()).code()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(((ErrorReply) answer.message()).message()).startsWith("malformed JSON at line 1");
            assertUsable(client);
        }
    }

    @Test
    void answersAnUnknownTypeWithItsIdAndKeepsTheConnection() throws IOException {
        try (FrameSocket client = FrameSocket.connectAndHello(start())) {
            client.sendJson("{\"id\":9,\"message\":{\"type\":\"Foo\",\"x\":1}}");
            assertThat(client.receive()).isEqualTo(error(9, ErrorCode.BAD_REQUEST, "unknown message type 'Foo'"));

            client.sendJson("{\"id\":10,\"message\":{\"type\":\"CancelJob\",\"jobId\":null}}");
            assertThat(client.receive())
                    .isEqualTo(error(10, ErrorCode.BAD_REQUEST, "field 'jobId' of CancelJob must not be null"));

            client.sendPayload(new byte[0]);
            assertThat(client.receive())
                    .isEqualTo(error(0, ErrorCode.BAD_REQUEST, "empty frame; expected a JSON envelope"));
            assertUsable(client);
        }
    }

    @Test
    void refusesMalformedInputBeforeTheHandshakeAndCloses() throws IOException {
        try (FrameSocket client = FrameSocket.connect(start())) {
            client.sendPayload("GET / HTTP/1.1".getBytes(StandardCharsets.US_ASCII));

            assertThat(((ErrorReply) client.receive().message()).code()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void tellsAClientOfTheOldProtocolInItsOwnFramingAndCloses() throws IOException {
        try (FrameSocket client = FrameSocket.connect(start())) {
            client.sendPayload("{\"id\":1,\"message\":{\"type\":\"Hello\",\"protocolVersion\":2,\"client\":\"old\"}}"
                    .getBytes(StandardCharsets.UTF_8));

            assertThat(client.receiveProtocol2())
                    .isEqualTo(error(
                            0,
                            ErrorCode.UNSUPPORTED_VERSION,
                            "client speaks protocol 2 or older, this coordinator speaks " + Limits.PROTOCOL_VERSION
                                    + "; upgrade the client"));
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void answersAFailingHandlerWithInternalAndKeepsServing() throws IOException {
        InetSocketAddress address = start();
        try (FrameSocket client = FrameSocket.connectAndHello(address)) {
            client.send(2, new Request.GetJob("boom", false));
            assertThat(client.receive()).isEqualTo(error(2, ErrorCode.INTERNAL, "GetJob failed: boom"));

            client.send(3, new Request.GetJob("kaput", false));
            assertThat(client.receive()).isEqualTo(error(3, ErrorCode.INTERNAL, "GetJob failed: kaput"));

            assertUsable(client);
        }
        try (FrameSocket other = FrameSocket.connectAndHello(address)) {
            assertUsable(other);
        }
    }

    @Test
    void keepsTheCodeOfATypedHandlerFailure() throws IOException {
        try (FrameSocket client = FrameSocket.connectAndHello(start())) {
            client.send(2, new Request.GetJob("missing", false));

            assertThat(client.receive()).isEqualTo(error(2, ErrorCode.NOT_FOUND, "no job missing"));
        }
    }

    @Test
    void refusesRequestsAboveTheInFlightLimit() throws Exception {
        try (FrameSocket client =
                FrameSocket.connectAndHello(start(ServerOptions.defaults().withMaxInFlightPerConnection(2)))) {
            client.send(2, new Request.GetJob("hold", false));
            client.send(3, new Request.GetJob("hold", false));
            client.send(4, new Request.GetJob("j-4", false));

            assertThat(client.receive())
                    .isEqualTo(error(
                            4,
                            ErrorCode.OVERLOADED,
                            "2 requests are in flight on this connection, the"
                                    + " limit; wait for answers before sending more"));

            take(handler.held).complete(new Response.Ack());
            take(handler.held).complete(new Response.Ack());
            assertThat(client.receive().message()).isEqualTo(new Response.Ack());
            assertThat(client.receive().message()).isEqualTo(new Response.Ack());
            assertUsable(client);
        }
    }

    @Test
    void answersOutOfOrderById() throws Exception {
        try (FrameSocket client = FrameSocket.connectAndHello(start())) {
            client.send(2, new Request.GetJob("hold", false));
            CompletableFuture<Response> first = take(handler.held);
            client.send(3, new Request.GetJob("j-3", false));

            assertThat(client.receive().id()).isEqualTo(3);
            first.complete(new Response.Ack());
            assertThat(client.receive()).isEqualTo(new Envelope(2, new Response.Ack()));
        }
    }

    @Test
    void refusesResponsesRepeatedHellosAndIdZero() throws IOException {
        try (FrameSocket client = FrameSocket.connectAndHello(start())) {
            client.send(2, new Response.Ack());
            assertThat(client.receive()).isEqualTo(error(2, ErrorCode.BAD_REQUEST, "expected a request, got Ack"));

            client.send(3, new Request.Hello(Limits.PROTOCOL_VERSION, "again"));
            assertThat(client.receive())
                    .isEqualTo(error(3, ErrorCode.BAD_REQUEST, "Hello was already received on this connection"));

            client.send(0, new Request.GetJob("j", false));
            assertThat(((ErrorReply) client.receive().message()).message())
                    .isEqualTo("GetJob has request id 0, which is"
                            + " reserved for server pushes; number requests from 1");
            assertUsable(client);
        }
    }

    @Test
    void replacesAnAnswerLargerThanAFrameWithTooLarge() throws IOException {
        try (FrameSocket client =
                FrameSocket.connectAndHello(start(ServerOptions.defaults().withMaxFrameBytes(1024)))) {
            client.send(2, new Request.GetJob("big", false));

            Envelope answer = client.receive();
            assertThat(answer.id()).isEqualTo(2);
            assertThat(((ErrorReply) answer.message()).code()).isEqualTo(ErrorCode.TOO_LARGE);
            assertUsable(client);
        }
    }

    @Test
    void closesAConnectionThatSendsNoHello() throws IOException {
        try (FrameSocket client =
                FrameSocket.connect(start(ServerOptions.defaults().withHandshakeTimeoutMs(100)))) {
            assertThat(client.receive()).isEqualTo(error(0, ErrorCode.BAD_REQUEST, "no Hello within 100 ms"));
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void refusesConnectionsAboveTheLimit() throws IOException {
        InetSocketAddress address = start(ServerOptions.defaults().withMaxConnections(1));
        try (FrameSocket first = FrameSocket.connectAndHello(address);
                FrameSocket second = FrameSocket.connect(address)) {
            assertThat(((ErrorReply) second.receive().message()).code()).isEqualTo(ErrorCode.OVERLOADED);
            assertThat(second.closedByPeer()).isTrue();
            assertUsable(first);
        }
    }

    @Test
    void pushesServerInitiatedMessagesWithIdZero() throws IOException {
        try (FrameSocket client = FrameSocket.connectAndHello(start())) {
            client.send(2, new Request.GetJob("push", false));

            assertThat(client.receive()).isEqualTo(new Envelope(0, new Response.LeaderTransferred("pushed")));
            assertThat(client.receive()).isEqualTo(new Envelope(2, new Response.Ack()));
        }
    }

    @Test
    void tellsTheHandlerWhenASessionCloses() throws Exception {
        Session session;
        try (FrameSocket client = FrameSocket.connectAndHello(start())) {
            assertUsable(client);
            session = take(handler.sessions);
            assertThat(session.isOpen()).isTrue();
        }
        assertThat(take(handler.closed)).isSameAs(session);
        assertThat(session.isOpen()).isFalse();
        assertThat(session.push(new Response.Ack())).isFalse();
    }

    @Test
    void closeAnswersTheRequestsInFlightThenStops() throws Exception {
        InetSocketAddress address = start();
        try (FrameSocket client = FrameSocket.connectAndHello(address)) {
            client.send(2, new Request.GetJob("hold", false));
            CompletableFuture<Response> held = take(handler.held);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            // Refused connections show the server is closing (it refuses requests from before it stops accepting).
            await().atMost(Duration.ofSeconds(10)).until(() -> refusesConnections(address));

            // A request sent while closing is refused, not queued behind the shutdown.
            client.send(3, new Request.GetJob("late", false));
            assertThat(client.receive())
                    .isEqualTo(error(3, ErrorCode.UNAVAILABLE, "this coordinator is shutting down; try another"));
            held.complete(new Response.Ack());
            assertThat(client.receive()).isEqualTo(new Envelope(2, new Response.Ack()));
            closing.get(10, TimeUnit.SECONDS);
            assertThat(client.closedByPeer()).isTrue();
        }
        assertThatThrownBy(() -> FrameSocket.connect(address)).isInstanceOf(ConnectException.class);
    }

    @Test
    void failsToStartOnAnAddressInUse() throws IOException {
        InetSocketAddress address = start();

        assertThatThrownBy(() -> RpcServer.start(address, handler, ServerOptions.defaults()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot listen on " + address);
    }

    @Test
    void callsTheHandlerOnNamedEventLoopThreads() throws IOException {
        try (FrameSocket client =
                FrameSocket.connectAndHello(start(ServerOptions.defaults().withThreadNamePrefix("rpc-x")))) {
            assertUsable(client);

            assertThat(handler.lastThreadName).startsWith("rpc-x-io");
        }
    }

    private static boolean refusesConnections(InetSocketAddress address) {
        try {
            FrameSocket.connect(address).close();
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static void assertUsable(FrameSocket client) throws IOException {
        client.send(100, new Request.GetJob("still-there", false));
        assertThat(client.receive()).isEqualTo(new Envelope(100, new Response.JobSubmitted("still-there", false)));
    }

    private static Envelope error(long id, ErrorCode code, String message) {
        return new Envelope(id, new ErrorReply(code, message));
    }

    static <T> T take(BlockingQueue<T> queue) throws InterruptedException {
        T item = queue.poll(10, TimeUnit.SECONDS);
        assertThat(item).as("nothing arrived within 10 s").isNotNull();
        return item;
    }
}
