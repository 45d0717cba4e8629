package io.corral.bench;

/**
 * One system under test, seen as a durable work queue: submitters put jobs in and wait for each to be acknowledged
 * durably (fsynced on a majority), workers take jobs out and complete them. Each benchmark workload is written once,
 * against this, and runs the same on Corral, etcd and RabbitMQ.
 */
interface QueueSystem extends AutoCloseable {
    /** {@code corral}, {@code etcd} or {@code rabbitmq}. */
    String name();

    /** Anything a run needs first: an image to name, a queue to declare. Not measured. */
    void prepare() throws Exception;

    /** A submitter with a connection of its own, used by one thread at a time. */
    Submitter submitter() throws Exception;

    /**
     * Starts {@code workers} workers of {@code slots} slots each, each on a connection of its own, that take jobs
     * and complete them at once (without doing any work), telling {@code claims} of each.
     */
    Workers workers(int workers, int slots, Claims claims) throws Exception;

    /** Told of each job a worker took, on the worker's thread, as early as it can be. */
    @FunctionalInterface
    interface Claims {
        /** @param id what {@link Submitter#submit} returned for the job; @param atNanos {@link System#nanoTime()} */
        void claimed(String id, long atNanos);
    }

    /** Puts jobs in, one request at a time. */
    interface Submitter extends AutoCloseable {
        /**
         * Submits {@code jobs} jobs in one request (1, or many where the system can: a 100-image Corral job, a
         * 100-message publisher confirm, a 100-put transaction) and returns once they are acknowledged.
         *
         * @param key unique to this job (or batch) in the run
         * @return the id the workers will report the (first) job under
         */
        String submit(String key, int jobs) throws Exception;

        @Override
        void close() throws Exception;
    }

    /** Running workers: how many jobs they completed, and a way to stop them. */
    interface Workers extends AutoCloseable {
        /** Jobs completed (the completion acknowledged) so far. */
        long completed();

        @Override
        void close() throws Exception;
    }
}
