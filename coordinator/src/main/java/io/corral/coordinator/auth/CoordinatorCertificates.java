package io.corral.coordinator.auth;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What makes a certificate a coordinator's: signed by a CA the member trusts (the TLS handshake checked that) and
 * valid for TLS servers (extended key usage serverAuth), which coordinator certificates are and the client
 * certificates {@code scripts/gen-certs.sh} makes for people and workers are not. The Raft port admits only these;
 * the RPC port gives the peer role only to the peer token shown with one. Pure.
 */
public final class CoordinatorCertificates {
    /** Extended key usage serverAuth. */
    public static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    private CoordinatorCertificates() {}

    /** Why {@code chain} is not a coordinator's (its leaf lacks serverAuth, or there is none), or null when it is. */
    public static String notACoordinator(List<X509Certificate> chain) {
        if (chain.isEmpty()) {
            return "no certificate";
        }
        List<String> usage;
        try {
            usage = chain.get(0).getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            return chain.get(0).getSubjectX500Principal().getName() + " has an unreadable extended key usage";
        }
        if (usage == null || !usage.contains(SERVER_AUTH)) {
            return chain.get(0).getSubjectX500Principal().getName()
                    + " is no coordinator certificate (it lacks extended key usage serverAuth)";
        }
        return null;
    }
}
