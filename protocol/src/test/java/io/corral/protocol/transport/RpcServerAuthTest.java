package io.corral.protocol.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.corral.auth.Principal;
import io.corral.auth.Role;
import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.client.HostPort;
import io.corral.protocol.Envelope;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.testing.FakeHandler;
import io.corral.protocol.testing.FrameSocket;
import io.corral.protocol.transport.internal.ClientNames;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Token authentication in the handshake: who gets in, what the others are told, and that no token is ever printed. */
class RpcServerAuthTest {
    static final String GOOD = "corral_the-good-secret-0123456789";
    static final String WRONG = "corral_a-wrong-secret-9876543210";

    private final FakeHandler handler = new FakeHandler();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private RpcServer server;

    @BeforeEach
    void start() throws Exception {
        Map<String, Principal> known = Map.of(GOOD, new Principal("ci", Role.SUBMITTER));
        Authenticator authenticator = token -> Optional.ofNullable(token == null ? null : known.get(token));
        server = RpcServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                handler,
                ServerOptions.defaults().withNodeId("c1").withIoThreads(1).withShutdownTimeoutMs(100),
                new ServerSecurity(null, authenticator));
        logs.start();
        root().addAppender(logs);
    }

    @AfterEach
    void stop() {
        root().detachAppender(logs);
        server.close();
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private HostPort address() {
        return new HostPort("127.0.0.1", server.boundAddress().getPort());
    }

    /** Sends a Hello with {@code token} over a raw socket and returns the answer; the socket must then be closed. */
    private Envelope hello(String token) throws Exception {
        try (FrameSocket socket = FrameSocket.connect(server.boundAddress())) {
            socket.send(1, new Request.Hello(Limits.PROTOCOL_VERSION, "raw", token));
            Envelope answer = socket.receive();
            if (answer.message() instanceof Response.ErrorReply) {
                assertThat(socket.closedByPeer()).as("closed after the refusal").isTrue();
            }
            return answer;
        }
    }

    @Test
    void aHelloWithoutATokenIsRefusedAndTheConnectionClosed() throws Exception {
        Envelope answer = hello(null);

        assertThat(answer.id()).isEqualTo(1);
        assertThat(answer.message())
                .isEqualTo(new Response.ErrorReply(
                        ErrorCode.UNAUTHENTICATED,
                        "this coordinator requires a token and none was sent (corral --token-file FILE or"
                                + " CORRAL_TOKEN, worker tokenFile)"));
        assertThat(handler.calls).hasValue(0);
    }

    @Test
    void anUnknownTokenIsRefusedWithoutBeingEchoedOrLogged() throws Exception {
        Envelope answer = hello(WRONG);

        assertThat(answer.message())
                .isEqualTo(new Response.ErrorReply(
                        ErrorCode.UNAUTHENTICATED,
                        "the token is not known to this coordinator (revoked, mistyped, or of another cluster)"));
        assertThat(handler.calls).hasValue(0);
        assertThat(logs.list)
                .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("unknown token"));
        assertThat(logs.list)
                .noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains(WRONG));
    }

    /**
     * Issue 11: a refused Hello's client name went to the log as sent, so one connection wrote a forged line (and a
     * megabyte). A name that is not one line of printable text is refused before anything else, and nothing of it
     * reaches the log unescaped.
     */
    @Test
    void aClientNameThatIsNotOneLineOfTextIsRefusedAndNeverLoggedAsSent() throws Exception {
        String forged = "x\n12:00:00.000 INFO  [main] MembershipService - admin 'ops' removed member n3";
        try (FrameSocket socket = FrameSocket.connect(server.boundAddress())) {
            socket.send(1, new Request.Hello(Limits.PROTOCOL_VERSION, forged, WRONG));
            Envelope answer = socket.receive();

            assertThat(answer.message()).isInstanceOf(Response.ErrorReply.class);
            Response.ErrorReply refusal = (Response.ErrorReply) answer.message();
            assertThat(refusal.code()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(refusal.message()).contains("client name").contains("control character");
            assertThat(socket.closedByPeer()).isTrue();
        }
        assertThat(logs.list)
                .noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains("\n"));
        assertThat(handler.calls).hasValue(0);
    }

    @Test
    void aClientNameLongerThanTheLimitIsRefused() throws Exception {
        try (FrameSocket socket = FrameSocket.connect(server.boundAddress())) {
            socket.send(1, new Request.Hello(Limits.PROTOCOL_VERSION, "a".repeat(ClientNames.MAX_CHARS + 1), GOOD));
            Envelope answer = socket.receive();

            assertThat(answer.message())
                    .isEqualTo(new Response.ErrorReply(
                            ErrorCode.BAD_REQUEST,
                            "the client name is " + (ClientNames.MAX_CHARS + 1) + " characters long; at most "
                                    + ClientNames.MAX_CHARS));
        }
        assertThat(logs.list)
                .noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains("a".repeat(ClientNames.MAX_CHARS + 1)));
    }

    @Test
    void aKnownTokenMakesTheSessionItsPrincipal() throws Exception {
        CorralClient client = CorralClient.connect(
                ClientOptions.builder(List.of(address())).token(GOOD).build());
        try (client) {
            assertThat(client.call(new Request.GetJob("j-1", false), Response.JobSubmitted.class)
                            .jobId())
                    .isEqualTo("j-1");
        }

        Session session = handler.sessions.poll(10, TimeUnit.SECONDS);
        assertThat(session.principal()).contains(new Principal("ci", Role.SUBMITTER));
        assertThat(session.toString()).contains("'ci' (role submitter)").doesNotContain(GOOD);
        assertThat(logs.list)
                .noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains(GOOD));
    }

    @Test
    void theClientLibraryReportsARefusedTokenAsUnauthenticatedWithoutRetrying() {
        ClientOptions options = ClientOptions.builder(List.of(address()))
                .token(WRONG)
                .connectRounds(3)
                .backoffBaseMs(1)
                .build();

        assertThatThrownBy(() -> CorralClient.connect(options))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
                .hasMessageContaining("accepted this client")
                .hasMessageContaining("the token is not known to this coordinator")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(WRONG));
        assertThat(options.toString()).contains("token=(redacted)").doesNotContain(WRONG);
    }

    @Test
    void withoutAnAuthenticatorATokenIsIgnored() throws Exception {
        server.close();
        server = RpcServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                handler,
                ServerOptions.defaults().withNodeId("c1").withIoThreads(1),
                ServerSecurity.none());

        assertThat(hello(GOOD).message()).isInstanceOf(Response.Welcome.class);
        assertThat(hello(null).message()).isInstanceOf(Response.Welcome.class);
    }
}
