package io.corral.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * The client side of TLS for connections to coordinators: the CAs to trust, optionally a client certificate for
 * mutual TLS, and host name verification, which is always on. A coordinator's certificate must name the host the
 * client connects to, as written in the coordinator list: an IP address in an IP subject alternative name, a host name
 * in a DNS one ({@code scripts/gen-certs.sh n1=10.0.0.1,corral-1.internal}). {@code serverName} verifies against
 * another name instead (and sends it as SNI), for coordinators reached through an address their certificate does not
 * list. Immutable; built once.
 */
public final class ClientTls {
    private final SslContext context;
    private final String serverName;
    private final boolean hasCertificate;
    private final String description;

    private ClientTls(SslContext context, String serverName, boolean hasCertificate, String description) {
        this.context = context;
        this.serverName = serverName;
        this.hasCertificate = hasCertificate;
        this.description = description;
    }

    /**
     * Reads the files and builds the context.
     *
     * @param trustedCa the CAs whose coordinator certificates are accepted (PEM bundle); required
     * @param certChain this client's certificate chain, or null for none (then {@code privateKey} must be null too)
     * @param privateKey its PKCS#8 key
     * @param serverName the name to verify coordinator certificates against instead of the host connected to, or null
     * @throws TlsFileException naming the file (by its flag or key) and the problem
     * @throws IllegalArgumentException for a certificate without a key or a key without a certificate
     */
    public static ClientTls create(Path trustedCa, Path certChain, Path privateKey, String serverName) {
        return create(Names.DEFAULT, trustedCa, certChain, privateKey, serverName);
    }

    /** {@link #create(Path, Path, Path, String)}, naming the files in errors as {@code names} says. */
    public static ClientTls create(Names names, Path trustedCa, Path certChain, Path privateKey, String serverName) {
        if (trustedCa == null) {
            throw new IllegalArgumentException(names.trustedCa() + " is needed to use TLS: the CA bundle to trust");
        }
        if ((certChain == null) != (privateKey == null)) {
            throw new IllegalArgumentException("a client certificate needs its key: give both " + names.certChain()
                    + " and " + names.privateKey() + ", or neither");
        }
        if (serverName != null && serverName.isBlank()) {
            throw new IllegalArgumentException(names.serverName() + " must not be empty");
        }
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols(ServerTls.PROTOCOLS)
                .trustManager(TlsMaterial.trustManagers(names.trustedCa(), trustedCa))
                .endpointIdentificationAlgorithm("HTTPS");
        if (certChain != null) {
            builder.keyManager(TlsMaterial.keyManagers(names.certChain(), certChain, names.privateKey(), privateKey));
        }
        String description =
                "TLS trusting " + trustedCa + (certChain == null ? "" : ", client certificate " + certChain)
                        + (serverName == null ? "" : ", verifying the name " + serverName);
        try {
            return new ClientTls(builder.build(), serverName, certChain != null, description);
        } catch (SSLException e) {
            throw new TlsFileException(names.trustedCa(), trustedCa, "cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /**
     * A handler for a connection to {@code host}: it verifies that the coordinator's certificate is valid for {@code
     * host} (or for the configured server name).
     */
    public SslHandler newHandler(ByteBufAllocator alloc, String host, int port) {
        return context.newHandler(alloc, serverName != null ? serverName : host, port);
    }

    /** Whether this client presents a certificate (mutual TLS). */
    public boolean hasCertificate() {
        return hasCertificate;
    }

    /** The name verified instead of the host, or null. */
    public String serverName() {
        return serverName;
    }

    /** For logs: the files in use, never their contents. */
    @Override
    public String toString() {
        return description;
    }

    /**
     * How the caller names the four settings in errors: a daemon by its configuration keys, the command line by its
     * flags.
     */
    public record Names(String trustedCa, String certChain, String privateKey, String serverName) {
        public static final Names DEFAULT =
                new Names("tls.trustedCa", "tls.certChain", "tls.privateKey", "tls.serverName");
        public static final Names FLAGS = new Names("--tls-ca", "--tls-cert", "--tls-key", "--tls-server-name");
    }
}
