package io.corral.protocol.testing;

import io.corral.protocol.Envelope;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A coordinator stand-in that follows a script over a blocking socket, for client behaviour a well-behaved {@code
 * RpcServer} never shows (refusing every version, interim answers with a request's id). Serves one connection at a
 * time; failures of the script are collected in {@link #errors}.
 */
public final class ScriptedServer implements AutoCloseable {
    public interface Script {
        void run(FrameSocket peer) throws Exception;
    }

    public final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    private final ServerSocket listener;
    private final Thread thread;

    public ScriptedServer(Script script) throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        thread = new Thread(() -> serve(script), "scripted-server");
        thread.setDaemon(true);
        thread.start();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    /** Reads Hello and answers Welcome, as the first step of most scripts. */
    public static Request.Hello welcome(FrameSocket peer) throws IOException {
        Envelope hello = peer.receive();
        peer.send(hello.id(), new Response.Welcome(Limits.PROTOCOL_VERSION, "scripted"));
        return (Request.Hello) hello.message();
    }

    private void serve(Script script) {
        while (!listener.isClosed()) {
            try (Socket socket = listener.accept();
                    FrameSocket peer = new FrameSocket(socket)) {
                script.run(peer);
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    errors.add(e);
                }
            } catch (Exception | AssertionError e) {
                errors.add(e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
