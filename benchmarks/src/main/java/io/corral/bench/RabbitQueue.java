package io.corral.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Address;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.MessageProperties;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A RabbitMQ quorum queue through amqp-client: a job is a persistent 200-byte message, acknowledged by a publisher
 * confirm (sent once a majority of the queue's members fsynced it); a worker is a consumer with a prefetch of its
 * slots and manual acks. Every connection goes to the first node, where the queue is declared and so its leader.
 */
final class RabbitQueue implements QueueSystem {
    static final String QUEUE = "corral-bench";
    static final int VALUE_BYTES = 200;
    static final long CONFIRM_TIMEOUT_MS = 30_000;

    private final List<Address> nodes;
    private final byte[] body = new byte[VALUE_BYTES];

    RabbitQueue(List<String> hostPorts) {
        this.nodes = hostPorts.stream().map(Address::parseAddress).toList();
    }

    @Override
    public String name() {
        return "rabbitmq";
    }

    private Connection connect(String name) throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setAutomaticRecoveryEnabled(false);
        return f.newConnection(nodes, name);
    }

    @Override
    public void prepare() throws Exception {
        try (Connection c = connect("corral-bench-prepare");
                Channel ch = c.createChannel()) {
            ch.queueDelete(QUEUE);
            ch.queueDeclare(QUEUE, true, false, false, Map.of("x-queue-type", "quorum"));
        }
    }

    @Override
    public Submitter submitter() throws Exception {
        Connection c = connect("corral-bench-submitter");
        Channel ch = c.createChannel();
        ch.confirmSelect();
        return new Submitter() {
            @Override
            public String submit(String key, int jobs) throws Exception {
                for (int i = 0; i < jobs; i++) {
                    AMQP.BasicProperties props = MessageProperties.PERSISTENT_BASIC
                            .builder()
                            .messageId(jobs == 1 ? key : key + "-" + i)
                            .build();
                    ch.basicPublish("", QUEUE, props, body);
                }
                ch.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MS);
                return jobs == 1 ? key : key + "-0";
            }

            @Override
            public void close() throws Exception {
                c.close();
            }
        };
    }

    @Override
    public Workers workers(int workers, int slots, Claims claims) throws Exception {
        List<Connection> connections = new ArrayList<>();
        AtomicLong completed = new AtomicLong();
        try {
            for (int i = 1; i <= workers; i++) {
                Connection c = connect("corral-bench-w" + i);
                connections.add(c);
                Channel ch = c.createChannel();
                ch.basicQos(slots);
                ch.basicConsume(QUEUE, false, new DefaultConsumer(ch) {
                    @Override
                    public void handleDelivery(
                            String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] bytes)
                            throws IOException {
                        claims.claimed(properties.getMessageId(), System.nanoTime());
                        getChannel().basicAck(envelope.getDeliveryTag(), false);
                        completed.incrementAndGet();
                    }
                });
            }
        } catch (Exception e) {
            for (Connection c : connections) {
                c.abort();
            }
            throw e;
        }
        return new Workers() {
            @Override
            public long completed() {
                return completed.get();
            }

            @Override
            public void close() {
                for (Connection c : connections) {
                    c.abort(5_000);
                }
            }
        };
    }

    @Override
    public void close() {}
}
