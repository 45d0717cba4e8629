package io.corral.coordinator.raft;

import io.corral.coordinator.auth.CoordinatorCertificates;
import io.corral.coordinator.config.ConfigException;
import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.tls.TlsFileException;
import io.corral.tls.TlsMaterial;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslProvider;

/**
 * TLS of the Raft transport (Ratis over gRPC), from the coordinator's {@code tls} files: always mutual, both as a
 * server (followers and the Raft client connect) and as a client (a leader appends to its followers). The JDK's TLS,
 * as on the other ports, rather than the native library Ratis would pick.
 *
 * <p>Only coordinators may connect: besides being signed by a trusted CA, a peer's certificate must be valid for TLS
 * servers (extended key usage serverAuth), which coordinator certificates are and client certificates made by {@code
 * scripts/gen-certs.sh} are not. Without that check, any client certificate of the cluster's CA, a worker's say,
 * could take part in Raft.
 */
public final class RaftTls {
    static final String SERVER_AUTH = CoordinatorCertificates.SERVER_AUTH;

    private RaftTls() {}

    /** The Ratis parameters for {@code config}: empty (plain gRPC) unless TLS is configured. */
    public static Parameters parameters(CoordinatorConfig config) {
        Parameters parameters = new Parameters();
        CoordinatorConfig.Tls t = config.tls();
        if (!t.enabled()) {
            return parameters;
        }
        KeyManager keys;
        X509ExtendedTrustManager trust;
        try {
            keys = TlsMaterial.keyManagers("tls.certChain", t.certChain(), "tls.privateKey", t.privateKey())
                    .getKeyManagers()[0];
            trust = only(
                    TlsMaterial.trustManagers("tls.trustedCa", t.trustedCa()).getTrustManagers());
        } catch (TlsFileException e) {
            throw new ConfigException(e.what(), e.file() + ": " + e.problem());
        }
        GrpcTlsConfig tls = GrpcTlsConfig.newBuilder()
                .setKeyManager(keys)
                .setTrustManager(new CoordinatorsOnly(trust))
                .setMutualTls(true)
                .setSslProvider(SslProvider.JDK)
                .build();
        // One configuration for the server, client and admin sides of every gRPC channel.
        GrpcConfigKeys.TLS.setConf(parameters, tls);
        return parameters;
    }

    private static X509ExtendedTrustManager only(TrustManager[] managers) {
        for (TrustManager m : managers) {
            if (m instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new IllegalStateException("the JDK's PKIX trust manager factory made no X509ExtendedTrustManager");
    }

    /**
     * Refuses a client certificate that is not a coordinator's (no serverAuth usage). The server side is the
     * delegate's alone, host name check included.
     */
    static final class CoordinatorsOnly extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;

        CoordinatorsOnly(X509ExtendedTrustManager delegate) {
            this.delegate = delegate;
        }

        static void requireCoordinator(X509Certificate[] chain) throws CertificateException {
            String why = CoordinatorCertificates.notACoordinator(List.of(chain));
            if (why != null) {
                throw new CertificateException("the Raft port takes coordinators only, and " + why);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
            requireCoordinator(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, socket);
            requireCoordinator(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, engine);
            requireCoordinator(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
