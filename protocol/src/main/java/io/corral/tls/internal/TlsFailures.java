package io.corral.tls.internal;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.io.IOException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Puts a failed TLS handshake into words a person can act on: which certificate is wrong and why, instead of the
 * JDK's "PKIX path building failed". Used by the client library (its errors) and by the server (its logs).
 */
public final class TlsFailures {
    /** Which end of the connection describes the failure: the message names the other one. */
    public enum Side {
        /** This end connected: the peer is "the coordinator". */
        CLIENT("the coordinator", "this client"),
        /** This end accepted: the peer is "the client". */
        SERVER("the client", "this coordinator");

        final String peer;
        final String self;

        Side(String peer, String self) {
            this.peer = peer;
            this.self = self;
        }
    }

    /**
     * @param message what went wrong, one line, without a trailing period
     * @param definitive whether the same connection attempt would fail again (a certificate or configuration
     *     problem), as opposed to a network hiccup during the handshake
     */
    public record Failure(String message, boolean definitive) {}

    private TlsFailures() {}

    /** {@link #describe(Throwable, Side, boolean)} for an end that presented a certificate of its own. */
    public static Failure describe(Throwable error, Side side) {
        return describe(error, side, true);
    }

    /**
     * @param ownCertificate whether this end presented a certificate (a server always does; a client only for mutual
     *     TLS), which tells "none was sent" from "the one sent was refused" when the peer's alert does not
     */
    public static Failure describe(Throwable error, Side side, boolean ownCertificate) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = error; t != null && chain.size() < 20; t = t.getCause()) {
            chain.add(t);
        }
        for (Throwable t : chain) {
            Failure f = specific(t, side);
            if (f != null) {
                return f;
            }
        }
        for (Throwable t : chain) {
            String alert = alert(t.getMessage());
            if (alert != null) {
                return fromAlert(alert, side, ownCertificate);
            }
        }
        for (Throwable t : chain) {
            if (t instanceof SSLException) {
                return new Failure("TLS failed: " + t.getMessage(), true);
            }
        }
        Throwable root = chain.get(chain.size() - 1);
        String detail = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return new Failure("the connection failed during the TLS handshake: " + detail, false);
    }

    private static Failure specific(Throwable t, Side side) {
        String message = t.getMessage() == null ? "" : t.getMessage();
        if (t instanceof NotSslRecordException) {
            return new Failure(
                    side.peer + " did not answer with TLS: TLS is not enabled on it, or this is not its TLS port",
                    true);
        }
        if (t instanceof CertificateExpiredException) {
            return new Failure(side.peer + "'s certificate has expired (" + message + ")", true);
        }
        if (t instanceof CertificateNotYetValidException) {
            return new Failure(
                    side.peer + "'s certificate is not valid yet (" + message + "); is a clock wrong?", true);
        }
        if (t instanceof CertPathBuilderException || message.contains("unable to find valid certification path")) {
            return new Failure(
                    side.peer + "'s certificate is not signed by a trusted CA"
                            + (side == Side.CLIENT ? " (the bundle given by --tls-ca or tls.trustedCa)" : ""),
                    true);
        }
        if (message.startsWith("No subject alternative") || message.startsWith("No name matching")) {
            return new Failure(
                    side.peer + "'s certificate is not valid for the address connected to (" + message + "); give it"
                            + " that address as a subject alternative name, or verify another name (--tls-server-name)",
                    true);
        }
        if (message.contains("Empty client certificate chain") || message.contains("Empty server certificate chain")) {
            return new Failure(side.peer + " sent no certificate, and one is required", true);
        }
        if (t instanceof SslHandshakeTimeoutException) {
            return new Failure("the TLS handshake timed out", false);
        }
        if (t instanceof java.nio.channels.ClosedChannelException) {
            return new Failure(side.peer + " closed the connection during the TLS handshake", false);
        }
        return null;
    }

    /** The alert name of "Received fatal alert: bad_certificate", or null. */
    static String alert(String message) {
        String marker = "Received fatal alert: ";
        if (message == null || !message.contains(marker)) {
            return null;
        }
        String rest =
                message.substring(message.indexOf(marker) + marker.length()).trim();
        int end = 0;
        while (end < rest.length() && (Character.isLetterOrDigit(rest.charAt(end)) || rest.charAt(end) == '_')) {
            end++;
        }
        return rest.substring(0, end).toLowerCase(Locale.ROOT);
    }

    private static Failure fromAlert(String alert, Side side, boolean ownCertificate) {
        String refusedOurs = side.peer + " refused " + side.self + "'s certificate (" + alert + ")";
        boolean aboutCertificates =
                switch (alert) {
                    case "certificate_required",
                            "bad_certificate",
                            "certificate_unknown",
                            "unknown_ca",
                            "unsupported_certificate",
                            "certificate_expired",
                            "certificate_revoked" -> true;
                    default -> false;
                };
        if (aboutCertificates && !ownCertificate) {
            return new Failure(
                    side.peer + " requires a client certificate and " + side.self + " has none (" + alert + "; give"
                            + " --tls-cert and --tls-key, or tls.certChain and tls.privateKey)",
                    true);
        }
        return switch (alert) {
            case "certificate_required" -> new Failure(side.peer + " requires a certificate (" + alert + ")", true);
            case "bad_certificate", "certificate_unknown", "unknown_ca", "unsupported_certificate" ->
                new Failure(
                        refusedOurs + ": it does not trust the CA that signed it"
                                + (side == Side.SERVER
                                        ? ", or the certificate does not name the address it connected to"
                                        : ""),
                        true);
            case "certificate_expired" -> new Failure(refusedOurs + ": it has expired", true);
            case "certificate_revoked" -> new Failure(refusedOurs + ": it is revoked", true);
            case "handshake_failure", "protocol_version", "insufficient_security" ->
                new Failure(side.peer + " and " + side.self + " share no TLS version or cipher (" + alert + ")", true);
            default -> new Failure(side.peer + " ended the TLS handshake (alert " + alert + ")", true);
        };
    }

    /** Whether {@code error} is a failure of TLS at all (and not, say, a refused TCP connection). */
    public static boolean isTls(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
            if (t instanceof IOException && alert(t.getMessage()) != null) {
                return true;
            }
        }
        return false;
    }
}
