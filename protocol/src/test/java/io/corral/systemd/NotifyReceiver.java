package io.corral.systemd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * What systemd is in these tests: a real AF_UNIX datagram socket, bound at a path or an abstract name, that receives
 * the notifications.
 */
final class NotifyReceiver implements AutoCloseable {
    /** Bound on waiting for one datagram; a message that does not come fails the test instead of hanging it. */
    static final int RECEIVE_TIMEOUT_MS = 10_000;

    private final AFUNIXDatagramSocket socket;
    private final String notifySocket;

    private NotifyReceiver(AFUNIXSocketAddress address, String notifySocket) throws IOException {
        this.socket = AFUNIXDatagramSocket.newInstance();
        this.socket.bind(address);
        this.socket.setSoTimeout(RECEIVE_TIMEOUT_MS);
        this.notifySocket = notifySocket;
    }

    static NotifyReceiver atPath(Path path) throws IOException {
        return new NotifyReceiver(AFUNIXSocketAddress.of(path), path.toString());
    }

    static NotifyReceiver abstractName(String name) throws IOException {
        return new NotifyReceiver(AFUNIXSocketAddress.inAbstractNamespace(name), "@" + name);
    }

    /** The value NOTIFY_SOCKET would have. */
    String notifySocket() {
        return notifySocket;
    }

    /** The next datagram, as text; fails after {@link #RECEIVE_TIMEOUT_MS}. */
    String receive() {
        byte[] buf = new byte[8192];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        try {
            socket.receive(packet);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no notification within " + RECEIVE_TIMEOUT_MS + " ms", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        socket.close();
    }
}
