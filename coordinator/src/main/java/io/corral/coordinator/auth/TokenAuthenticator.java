package io.corral.coordinator.auth;

import io.corral.auth.Principal;
import io.corral.auth.Role;
import io.corral.protocol.transport.Authenticator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Knows the tokens of a tokens file and the coordinators' peer token, by their SHA-256 only. A presented token is
 * hashed and compared with every entry in constant time, without stopping at a match, so how long a check takes says
 * nothing about which entry, if any, came close.
 */
public final class TokenAuthenticator implements Authenticator {
    /** The principal of the peer token: every coordinator's connections to the others. */
    public static final Principal PEER = new Principal("peer", Role.PEER);

    private record Known(byte[] sha256, Principal principal) {}

    private final List<Known> known;
    private final boolean peerNeedsCertificate;

    /** Authentication without TLS: the peer token alone makes a coordinator (members reach each other on loopback). */
    public TokenAuthenticator(List<TokensFile.Entry> entries, String peerToken) {
        this(entries, peerToken, false);
    }

    /**
     * @param peerNeedsCertificate TLS is on: the peer token is accepted only with a coordinator's certificate
     *     ({@link CoordinatorCertificates}), so the peer role is the certificate, not a bearer secret that works from
     *     anywhere
     */
    public TokenAuthenticator(List<TokensFile.Entry> entries, String peerToken, boolean peerNeedsCertificate) {
        this.peerNeedsCertificate = peerNeedsCertificate;
        List<Known> all = new ArrayList<>();
        // First, so that while a rotation lists it in the tokens file too, it is still known as "peer".
        if (peerToken != null) {
            all.add(new Known(Tokens.sha256(peerToken), PEER));
        }
        for (TokensFile.Entry e : entries) {
            all.add(new Known(e.sha256().clone(), new Principal(e.name(), e.role(), e.tenant())));
        }
        this.known = List.copyOf(all);
    }

    @Override
    public Optional<Principal> authenticate(String token) {
        if (token == null) {
            return Optional.empty();
        }
        byte[] presented = Tokens.sha256(token);
        Principal match = null;
        for (Known k : known) {
            // MessageDigest.isEqual takes the same time whatever the contents; no early exit either.
            if (MessageDigest.isEqual(presented, k.sha256()) && match == null) {
                match = k.principal();
            }
        }
        return Optional.ofNullable(match);
    }

    @Override
    public Optional<Principal> authenticate(String token, List<X509Certificate> clientChain) throws Refused {
        Optional<Principal> principal = authenticate(token);
        if (principal.isPresent() && principal.get().role() == Role.PEER && peerNeedsCertificate) {
            String why = CoordinatorCertificates.notACoordinator(clientChain);
            if (why != null) {
                throw new Refused("the peer token is accepted only from a coordinator, with its certificate; this"
                        + " connection showed " + why);
            }
        }
        return principal;
    }

    /** How many tokens are known, the peer token included (for the start-up log). */
    public int size() {
        return known.size();
    }
}
