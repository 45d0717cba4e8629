package io.corral.coordinator.raft;

/**
 * A member's RPC and HTTP addresses, carried in the Raft configuration itself so that every member, a restarted or a
 * new one included, learns them from the replicated configuration.
 *
 * <p>They travel in the {@code dataStreamAddress} field of Ratis' {@code RaftPeer}, as {@code
 * corral:rpc=HOST:PORT,http=HOST:PORT}. That field is read by Ratis only for its DataStream API, which Corral does
 * not enable (chunk bytes are state-machine data of ordinary entries). The other spare-looking fields are taken:
 * {@code clientAddress} and {@code adminAddress} are where Ratis' own gRPC client sends requests (writes, reads and
 * admin calls such as setConfiguration), so they must stay the Raft (gRPC) address or empty.
 */
final class PeerAddresses {
    static final String PREFIX = "corral:";

    private PeerAddresses() {}

    /** The RPC and HTTP address of a member, either null when the configuration does not carry it. */
    record Decoded(String rpc, String http) {
        static final Decoded NONE = new Decoded(null, null);
    }

    /** {@code http} may be null (a member added without one). */
    static String encode(String rpc, String http) {
        if (rpc == null) {
            throw new IllegalArgumentException("a member's rpc address is required");
        }
        return PREFIX + "rpc=" + rpc + (http == null ? "" : ",http=" + http);
    }

    /** What {@link #encode} wrote; {@link Decoded#NONE} for anything else (a configuration from before, or empty). */
    static Decoded decode(String field) {
        if (field == null || !field.startsWith(PREFIX)) {
            return Decoded.NONE;
        }
        String rpc = null;
        String http = null;
        for (String part : field.substring(PREFIX.length()).split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.length() - 1) {
                continue;
            }
            String value = part.substring(eq + 1);
            switch (part.substring(0, eq)) {
                case "rpc" -> rpc = value;
                case "http" -> http = value;
                default -> {
                    // A key a later version may add: ignored, so members of mixed versions read each other.
                }
            }
        }
        return new Decoded(rpc, http);
    }
}
