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
    private final String tenant;
    private int process;
    private long sequence;

    /** @param tenant the tenant of the client's token, recorded with its submissions; null without authentication */
    public ClientProcess(int thread, int threads, CorralClient client, Random random, String tenant) {
        this.tenant = tenant;
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

    /** The tenant of this client's token, or null. */
    public String tenant() {
        return tenant;
    }

    /** A number unique to this thread for the whole run. */
    public long next() {
        return sequence++;
    }
}
