package io.corral.coordinator.auth;

import io.corral.client.HostPort;
import io.corral.coordinator.config.ConfigException;
import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.protocol.Response;
import io.corral.protocol.transport.ServerSecurity;
import io.corral.tls.ClientTls;
import io.corral.tls.ServerTls;
import io.corral.tls.TlsFileException;
import io.netty.handler.ssl.ClientAuth;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a coordinator's configuration says about TLS and tokens, loaded once at start-up: the TLS of its RPC and HTTP
 * ports, the TLS and token it uses towards its peers, and the tokens it accepts. Every file problem is a {@link
 * ConfigException} naming the key. The Raft port's TLS is set up by {@link io.corral.coordinator.raft.RaftTls} from the
 * same files. Never prints the peer token.
 */
public final class CoordinatorSecurity {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorSecurity.class);

    private final ServerTls serverTls;
    private final ServerTls httpTls;
    private final ClientTls peerTls;
    private final TokenAuthenticator authenticator;
    private final String peerToken;

    private CoordinatorSecurity(
            ServerTls serverTls,
            ServerTls httpTls,
            ClientTls peerTls,
            TokenAuthenticator authenticator,
            String peerToken) {
        this.serverTls = serverTls;
        this.httpTls = httpTls;
        this.peerTls = peerTls;
        this.authenticator = authenticator;
        this.peerToken = peerToken;
    }

    /** Reads every file the configuration names. */
    public static CoordinatorSecurity load(CoordinatorConfig config) {
        CoordinatorConfig.Tls t = config.tls();
        ServerTls serverTls = null;
        ServerTls httpTls = null;
        ClientTls peerTls = null;
        if (t.enabled()) {
            try {
                ClientAuth configured = ClientAuth.valueOf(t.clientAuth().toUpperCase(Locale.ROOT));
                // The RPC port asks every client for a certificate, even with clientAuth: none (a client without one
                // is served as before): the peer role needs a coordinator's certificate (TokenAuthenticator).
                ClientAuth rpc = configured == ClientAuth.NONE ? ClientAuth.OPTIONAL : configured;
                serverTls = ServerTls.create(t.certChain(), t.privateKey(), t.trustedCa(), rpc);
                httpTls = ServerTls.create(t.certChain(), t.privateKey(), t.trustedCa(), configured);
                // Towards its peers a coordinator shows its own certificate: the Raft and RPC ports may require one.
                peerTls = ClientTls.create(ClientTls.Names.DEFAULT, t.trustedCa(), t.certChain(), t.privateKey(), null);
            } catch (TlsFileException e) {
                throw new ConfigException(e.what(), e.file() + ": " + e.problem());
            }
        }
        CoordinatorConfig.Auth a = config.auth();
        TokenAuthenticator authenticator = null;
        String peerToken = a.peerTokenFile() == null ? null : readSecret("auth.peerTokenFile", a.peerTokenFile());
        if (a.enabled()) {
            List<TokensFile.Entry> entries = TokensFile.read(a.tokensFile());
            authenticator = new TokenAuthenticator(entries, peerToken, t.enabled());
            LOG.info("authentication on: {} token(s) from {}, and the peer token", entries.size(), a.tokensFile());
            if (!t.enabled()) {
                LOG.warn("authentication is on without TLS: tokens cross the network in clear text; set tls.* too");
                raftExposed(config);
            }
        }
        requireSecuredOffLoopback(config);
        return new CoordinatorSecurity(serverTls, httpTls, peerTls, authenticator, peerToken);
    }

    /**
     * Tokens on and no TLS: the RPC and HTTP ports check tokens, but the Raft port checks nothing without TLS, and
     * anyone who reaches it can read and change the whole state with a plain Ratis client. On loopback only this
     * machine can; elsewhere the member refuses to start unless {@code security.insecure} says to run anyway.
     */
    static void raftExposed(CoordinatorConfig config) {
        String raft = config.raftAddress();
        InetAddress host;
        try {
            host = InetAddress.getByName(HostPort.parse(raft).host());
        } catch (UnknownHostException e) {
            return; // The start refuses an address it cannot listen on, naming raftAddress.
        }
        if (host.isLoopbackAddress() || !listenable(raft)) {
            return; // Loopback: only this machine reaches it. Not this machine's: the start refuses it, naming it.
        }
        String what = "tokens are on (auth.tokensFile) but the Raft port, raftAddress " + raft
                + ", has no TLS: anyone who reaches it can read and change every job, lock and image without a token";
        if (!config.security().insecure()) {
            throw new ConfigException(
                    "tls",
                    what + ". Set tls.certChain, tls.privateKey and tls.trustedCa (scripts/gen-certs.sh makes them),"
                            + " or security.insecure: true to run like this anyway");
        }
        LOG.warn("INSECURE (security.insecure: true): {}", what);
    }

    /**
     * Secure by default: a member that others can reach (a port on an address that is not loopback) needs TLS, and
     * tokens or required client certificates, or anyone on the network can submit, cancel, read every image and change
     * membership; it refuses to start unless {@code security.insecure} says to run anyway, loudly. On loopback only
     * this machine reaches it (the quick start, development clusters).
     */
    static void requireSecuredOffLoopback(CoordinatorConfig config) {
        List<String> exposed = new java.util.ArrayList<>();
        for (String[] port : new String[][] {
            {"raftAddress", config.raftAddress()},
            {"rpcAddress", config.rpcAddress()},
            {"httpAddress", config.httpAddress()}
        }) {
            if (port[1] != null && !onLoopback(port[1]) && listenable(port[1])) {
                exposed.add(port[0] + " " + port[1]);
            }
        }
        boolean tls = config.tls().enabled();
        boolean clientCertificates =
                tls && "require".equalsIgnoreCase(config.tls().clientAuth());
        if (exposed.isEmpty() || (tls && (config.auth().enabled() || clientCertificates))) {
            return;
        }
        String missing = !tls && !config.auth().enabled()
                ? "neither TLS nor tokens"
                : !tls ? "no TLS" : "no tokens (auth.tokensFile) and no required client certificates";
        String what = "this member listens where others can reach it (" + String.join(", ", exposed) + ") with "
                + missing + ": anyone on that network can submit and cancel jobs, read every image and change the"
                + " cluster's membership";
        if (!config.security().insecure()) {
            throw new ConfigException(
                    tls ? "auth" : "tls",
                    what + ". Secure it (scripts/gen-certs.sh for tls.*, corral-coordinator token generate for"
                            + " auth.*: docs/operations.md, \"TLS and tokens\"), listen on 127.0.0.1 only, or set"
                            + " security.insecure: true to run like this anyway");
        }
        LOG.warn("INSECURE (security.insecure: true): {}", what);
    }

    /** How {@code config} secures this member, as {@code corral cluster status} shows it. */
    public static Response.Security describe(CoordinatorConfig config) {
        boolean tls = config.tls().enabled();
        boolean exposed = !onLoopback(config.raftAddress())
                || !onLoopback(config.rpcAddress())
                || (config.httpAddress() != null && !onLoopback(config.httpAddress()));
        boolean tokens = config.auth().enabled();
        String clientAuth = tls ? config.tls().clientAuth().toLowerCase(Locale.ROOT) : "none";
        boolean secured = tls && (tokens || "require".equals(clientAuth));
        return new Response.Security(
                config.nodeId(),
                tls,
                clientAuth,
                tokens,
                exposed,
                exposed && !secured && config.security().insecure());
    }

    /**
     * Whether this machine could listen on {@code address}: the wildcard or one of its own addresses. Another one is
     * not this check's business: the start refuses it, naming the setting, before anything listens.
     */
    static boolean listenable(String address) {
        try {
            InetAddress a = InetAddress.getByName(HostPort.parse(address).host());
            return a.isAnyLocalAddress() || java.net.NetworkInterface.getByInetAddress(a) != null;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether {@code address} (host:port) is on this machine's loopback; an address that does not resolve is not. */
    static boolean onLoopback(String address) {
        try {
            return InetAddress.getByName(HostPort.parse(address).host()).isLoopbackAddress();
        } catch (UnknownHostException | IllegalArgumentException e) {
            return false; // The start refuses an address it cannot listen on, naming it.
        }
    }

    /**
     * A secret file: the whole file, trimmed, which must be one line. A file others may read is used but reported,
     * because anyone who reads it can act as a coordinator.
     */
    static String readSecret(String key, Path file) {
        String secret;
        try {
            secret = Tokens.clean(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new ConfigException(key, file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(key, file + ": cannot be read: " + e.getMessage());
        }
        if (secret == null) {
            throw new ConfigException(key, file + ": is empty");
        }
        if (secret.chars().anyMatch(Character::isISOControl)) {
            throw new ConfigException(key, file + ": must hold the secret alone, on one line");
        }
        warnIfReadableByOthers(key, file);
        return secret;
    }

    private static void warnIfReadableByOthers(String key, Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)) {
                LOG.warn("{} {} can be read by other users; make it 0600", key, file);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Not a POSIX file system: nothing to check.
        }
    }

    /** TLS and authentication of the RPC port. */
    public ServerSecurity rpc() {
        return new ServerSecurity(serverTls, authenticator);
    }

    /** TLS of the HTTP port, or null for plain HTTP. */
    public ServerTls httpTls() {
        return httpTls;
    }

    /** Who may read the HTTP port's guarded paths, or null when authentication is off. */
    public TokenAuthenticator authenticator() {
        return authenticator;
    }

    /** TLS towards the other coordinators' RPC ports, or null. */
    public ClientTls peerTls() {
        return peerTls;
    }

    /** The token to present to the other coordinators, or null when authentication is off. */
    public String peerToken() {
        return peerToken;
    }

    @Override
    public String toString() {
        return "CoordinatorSecurity[tls=" + (httpTls == null ? "off" : "on, clients " + httpTls.clientAuth())
                + ", auth=" + (authenticator == null ? "off" : authenticator.size() + " tokens") + "]";
    }
}
