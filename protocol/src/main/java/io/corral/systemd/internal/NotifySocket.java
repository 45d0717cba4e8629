package io.corral.systemd.internal;

import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The AF_UNIX datagram socket sd_notify messages go to, through junixsocket (Java 17 has no AF_UNIX datagram
 * sockets). The only class that touches junixsocket: it is loaded only when NOTIFY_SOCKET is set, so a process that
 * never runs under systemd (the CLI, tests) needs neither the library nor its native code. Not thread-safe; the
 * notifier serialises calls.
 */
public final class NotifySocket implements AutoCloseable {
    /** The longest AF_UNIX socket path Linux accepts (sun_path is 108 bytes, NUL included). */
    static final int MAX_PATH_BYTES = 107;

    private final String address;
    private AFUNIXSocketAddress resolved;
    private AFUNIXDatagramChannel channel;

    private NotifySocket(String address) {
        this.address = address;
    }

    /**
     * Checks the form of a NOTIFY_SOCKET value: an absolute path, or {@code @name} for the abstract namespace.
     *
     * @throws IllegalArgumentException for any other form (systemd also knows {@code vsock:}, for virtual machines)
     */
    public static NotifySocket parse(String value) {
        if (value.startsWith("@")) {
            if (value.length() < 2) {
                throw new IllegalArgumentException("an abstract socket needs a name after '@'");
            }
        } else if (!value.startsWith("/")) {
            throw new IllegalArgumentException("expected an absolute path or @name");
        } else if (value.length() > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("the path is longer than " + MAX_PATH_BYTES + " bytes");
        }
        return new NotifySocket(value);
    }

    /** Sends one datagram; opens the socket on first use and again after a failure. */
    public void send(byte[] payload) throws IOException {
        try {
            if (channel == null) {
                resolved = resolve(address);
                channel = AFUNIXDatagramChannel.open();
            }
            channel.send(ByteBuffer.wrap(payload), resolved);
        } catch (IOException | RuntimeException e) {
            close(); // a fresh socket next time, in case this one is broken
            throw e;
        }
    }

    private static AFUNIXSocketAddress resolve(String address) throws SocketException {
        return address.startsWith("@")
                ? AFUNIXSocketAddress.inAbstractNamespace(address.substring(1))
                : AFUNIXSocketAddress.of(Path.of(address));
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // Closing a datagram channel that was never connected loses nothing.
            }
            channel = null;
        }
    }
}
