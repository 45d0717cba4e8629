package io.corral.tls;

import io.corral.tls.internal.Pem;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Turns PEM files into the JDK's key and trust managers, checking what would otherwise fail later and less clearly:
 * the key belongs to the certificate, the certificate is within its validity period, the bundle holds certificates.
 * Files are read once, when called; Corral reads them at start-up (rotation is a restart, docs/operations.md).
 */
public final class TlsMaterial {
    /** The key store password of in-memory stores; never written anywhere, so it protects nothing and need not. */
    private static final char[] IN_MEMORY = "corral".toCharArray();

    private static final byte[] PROBE = "corral key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private TlsMaterial() {}

    /**
     * A key manager holding {@code privateKey} (PKCS#8 PEM) with its certificate chain (PEM, leaf first).
     *
     * @param what names the certificate in errors, such as {@code tls.certChain} or {@code --tls-cert}
     * @param keyWhat names the key in errors, such as {@code tls.privateKey} or {@code --tls-key}
     * @throws TlsFileException if a file is missing or unreadable, the key does not belong to the certificate, or
     *     the certificate is expired or not yet valid
     */
    public static KeyManagerFactory keyManagers(String what, Path certChain, String keyWhat, Path privateKey) {
        List<X509Certificate> chain = Pem.certificates(what, certChain);
        PrivateKey key = Pem.privateKey(keyWhat, privateKey);
        requireCurrent(what, certChain, chain.get(0));
        requireMatch(keyWhat, privateKey, key, chain.get(0));
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("corral", key, IN_MEMORY, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, IN_MEMORY);
            return kmf;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsFileException(what, certChain, "cannot be used as a TLS identity: " + e.getMessage(), e);
        }
    }

    /**
     * A trust manager that accepts the certificates signed by the CAs of {@code caBundle} (PEM, one or more), checked
     * with the JDK's PKIX rules (chain, validity, key usage; the host name too when the caller asks for it).
     */
    public static TrustManagerFactory trustManagers(String what, Path caBundle) {
        List<X509Certificate> cas = Pem.certificates(what, caBundle);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(store);
            return tmf;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsFileException(what, caBundle, "cannot be used as trusted CAs: " + e.getMessage(), e);
        }
    }

    /** The certificates of a PEM file (leaf first), for callers that need them themselves. */
    public static List<X509Certificate> certificates(String what, Path file) {
        return Pem.certificates(what, file);
    }

    /** An expired certificate would be refused by every peer: say so at start-up, with its dates. */
    private static void requireCurrent(String what, Path file, X509Certificate leaf) {
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new TlsFileException(
                    what,
                    file,
                    "the certificate expired on " + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new TlsFileException(
                    what,
                    file,
                    "the certificate is not valid before " + leaf.getNotBefore().toInstant()
                            + " (is the clock right?)");
        }
    }

    /** Signs with the key and verifies with the certificate: the one check that works for every key type. */
    private static void requireMatch(String keyWhat, Path keyFile, PrivateKey key, X509Certificate leaf) {
        String algorithm =
                switch (key.getAlgorithm()) {
                    case "RSA" -> "SHA256withRSA";
                    case "EC" -> "SHA256withECDSA";
                    case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
                    default -> null;
                };
        if (algorithm == null) {
            return; // RSASSA-PSS and the like: the TLS handshake checks them.
        }
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(PROBE);
            matches = verifier.verify(signature);
        } catch (InvalidKeyException | java.security.SignatureException e) {
            matches = false; // a key of another type than the certificate's
        } catch (GeneralSecurityException e) {
            throw new TlsFileException(keyWhat, keyFile, "cannot be checked: " + e.getMessage(), e);
        }
        if (!matches) {
            throw new TlsFileException(
                    keyWhat,
                    keyFile,
                    "does not belong to the certificate "
                            + leaf.getSubjectX500Principal().getName());
        }
    }
}
