package io.corral.jepsen.workload;

import io.corral.client.CorralClient;
import java.util.Random;

/**
 * One logically single-threaded client as the history sees it. After an operation ends {@code INFO} the thread goes
 * on as a new process (its number grows by the number of client threads), as in Jepsen: the old process's operation
 * may still take effect, so it must never appear to be followed by another operation of the same process.
 */
public final class ClientProcess {
    private final int threads;
    private final CorralClient client;
    private final Random random;
    private int process;
    private long sequence;

    public ClientProcess(int thread, int threads, CorralClient client, Random random) {
        this.process = thread;
        this.threads = threads;
        this.client = client;
        this.random = random;
    }

    public int process() {
        return process;
    }

    /** The process crashed (its last operation is indeterminate): continue as a new one. */
    public void crashed() {
        process += threads;
    }

    public CorralClient client() {
        return client;
    }

    public Random random() {
        return random;
    }

    /** A number unique to this thread for the whole run. */
    public long next() {
        return sequence++;
    }
}
