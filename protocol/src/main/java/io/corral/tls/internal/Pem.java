package io.corral.tls.internal;

import io.corral.tls.TlsFileException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * Reads PEM files with the JDK alone: X.509 certificates and unencrypted PKCS#8 private keys. Every problem is a
 * {@link TlsFileException} naming the file and, where the fix is known (a PKCS#1 key, an encrypted key), the fix.
 */
public final class Pem {
    /** Largest PEM file read: a bundle of a few hundred certificates. Anything bigger is not what was meant. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private static final String BEGIN_KEY = "-----BEGIN PRIVATE KEY-----";
    private static final String END_KEY = "-----END PRIVATE KEY-----";
    private static final String BEGIN_CERT = "-----BEGIN CERTIFICATE-----";

    /** Algorithms tried in turn on a PKCS#8 key: the JDK's key factories refuse keys of another algorithm. */
    private static final List<String> KEY_ALGORITHMS = List.of("EC", "RSA", "EdDSA", "RSASSA-PSS", "XDH");

    private Pem() {}

    /** The certificates of a PEM file, in file order (a chain: the leaf first). */
    public static List<X509Certificate> certificates(String what, Path file) {
        String text = read(what, file);
        if (!text.contains(BEGIN_CERT)) {
            throw new TlsFileException(what, file, "holds no PEM certificate ('" + BEGIN_CERT + "')");
        }
        try {
            Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)));
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : all) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new TlsFileException(what, file, "holds no readable certificate");
            }
            return List.copyOf(out);
        } catch (CertificateException e) {
            throw new TlsFileException(what, file, "is not a valid PEM certificate: " + e.getMessage(), e);
        }
    }

    /** The unencrypted PKCS#8 private key of a PEM file ({@code BEGIN PRIVATE KEY}). */
    public static PrivateKey privateKey(String what, Path file) {
        String text = read(what, file);
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw new TlsFileException(
                    what,
                    file,
                    "is encrypted; Corral reads unencrypted PKCS#8 keys protected by file permissions (0600): "
                            + "openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        if (text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
            throw new TlsFileException(
                    what,
                    file,
                    "is a PKCS#1/SEC1 key; convert it to PKCS#8 ('" + BEGIN_KEY + "'): "
                            + "openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        int begin = text.indexOf(BEGIN_KEY);
        int end = text.indexOf(END_KEY);
        if (begin < 0 || end < begin) {
            throw new TlsFileException(what, file, "holds no PEM private key ('" + BEGIN_KEY + "')");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(begin + BEGIN_KEY.length(), end));
        } catch (IllegalArgumentException e) {
            throw new TlsFileException(what, file, "holds a private key that is not valid base64", e);
        }
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // Not this algorithm (or not a key at all): try the next, and say so if none fits.
            }
        }
        throw new TlsFileException(what, file, "holds no RSA, EC or EdDSA private key that Java can read");
    }

    private static String read(String what, Path file) {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new TlsFileException(what, file, "is larger than " + MAX_FILE_BYTES + " bytes; not a PEM file");
            }
            // Latin-1 decodes any bytes: a DER (binary) file then reads as "no PEM block", not as a charset error.
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new TlsFileException(what, file, "no such file", e);
        } catch (AccessDeniedException e) {
            throw new TlsFileException(what, file, "cannot be read (permission denied)", e);
        } catch (IOException e) {
            throw new TlsFileException(what, file, "cannot be read: " + e.getMessage(), e);
        }
    }
}
