package io.corral.protocol.testing;

import io.corral.protocol.Envelope;
import io.corral.protocol.Limits;
import io.corral.protocol.Message;
import io.corral.protocol.Request;
import io.corral.protocol.codec.Json;
import io.corral.protocol.codec.MalformedMessageException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The wire protocol spoken over a plain blocking socket, independent of the Netty code under test, so tests see
 * exactly the bytes a third-party client would. Every read times out, so a test never hangs.
 */
public final class FrameSocket implements AutoCloseable {
    public static final int READ_TIMEOUT_MS = 10_000;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    public FrameSocket(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(READ_TIMEOUT_MS);
        socket.setTcpNoDelay(true);
        this.in = new DataInputStream(socket.getInputStream());
        this.out = new DataOutputStream(socket.getOutputStream());
    }

    public static FrameSocket connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, READ_TIMEOUT_MS);
        return new FrameSocket(socket);
    }

    /** Connects from {@code localHost} (a loopback alias such as 127.0.0.2 stands for another host). */
    public static FrameSocket connectFrom(String localHost, InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(localHost, 0));
        socket.connect(address, READ_TIMEOUT_MS);
        return new FrameSocket(socket);
    }

    /** Sends a Hello on a connected socket and waits for the Welcome. */
    public void hello() throws IOException {
        send(1, new Request.Hello(Limits.PROTOCOL_VERSION, "raw-test"));
        Envelope welcome = receive();
        if (!(welcome.message() instanceof io.corral.protocol.Response.Welcome)) {
            throw new IllegalStateException("handshake failed: " + welcome);
        }
    }

    /** Connects and completes the handshake, so the caller can go straight to requests. */
    public static FrameSocket connectAndHello(InetSocketAddress address) throws IOException {
        FrameSocket socket = connect(address);
        socket.send(1, new Request.Hello(Limits.PROTOCOL_VERSION, "raw-test"));
        Envelope welcome = socket.receive();
        if (!(welcome.message() instanceof io.corral.protocol.Response.Welcome)) {
            throw new IllegalStateException("handshake failed: " + welcome);
        }
        return socket;
    }

    public void send(long id, Message message) throws IOException {
        sendPayload(Json.encode(new Envelope(id, message)));
    }

    /** Sends a frame whose JSON part is {@code json} and whose binary part is empty. */
    public void sendJson(String json) throws IOException {
        sendPayload(Json.payload(json.getBytes(StandardCharsets.UTF_8)));
    }

    public synchronized void sendPayload(byte[] payload) throws IOException {
        out.writeInt(payload.length);
        out.write(payload);
        out.flush();
    }

    /** Writes only a length prefix, as a peer announcing a frame it never sends would. */
    public synchronized void sendLengthPrefix(long length) throws IOException {
        out.writeInt((int) length);
        out.flush();
    }

    /** Writes the length prefix of a {@code length}-byte payload and only {@code partial} of it. */
    public synchronized void sendPayloadPrefix(int length, byte[] partial) throws IOException {
        out.writeInt(length);
        out.write(partial);
        out.flush();
    }

    /** Writes bytes as they are, e.g. the rest of a frame begun with {@link #sendPayloadPrefix}. */
    public synchronized void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public Envelope receive() throws IOException {
        int length = in.readInt();
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new EOFException("connection closed inside a frame");
        }
        try {
            return Json.decode(payload);
        } catch (MalformedMessageException e) {
            throw new IOException("peer sent an unreadable frame: " + e.getMessage(), e);
        }
    }

    /** Reads a frame of protocol 2: the payload is the JSON envelope alone. */
    public Envelope receiveProtocol2() throws IOException {
        int length = in.readInt();
        byte[] payload = in.readNBytes(length);
        return Json.mapper().readValue(payload, Envelope.class);
    }

    /** True once the peer has closed: the next read sees end of stream (or a reset) before the read timeout. */
    public boolean closedByPeer() {
        try {
            return in.read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
