package io.corral.client;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A coordinator address as written in flags and configs: {@code host:port}, IPv6 hosts in brackets. */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " of " + host + " is out of range 1..65535");
        }
    }

    /**
     * Parses {@code host:port} ({@code 10.0.0.1:7400}, {@code node-1:7400}, {@code [::1]:7400}).
     *
     * @throws IllegalArgumentException naming the text and what is wrong with it
     */
    public static HostPort parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty address; expected host:port such as 10.0.0.1:7400");
        }
        String s = text.strip();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("'" + s + "' is not host:port (such as 10.0.0.1:7400)");
        }
        String host = s.substring(0, colon);
        String portText = s.substring(colon + 1);
        if (host.startsWith("[") != host.endsWith("]")) {
            throw new IllegalArgumentException("'" + s + "' has an unbalanced [ ] around an IPv6 host");
        }
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("'" + s + "': write an IPv6 host in brackets, such as [::1]:7400");
        }
        if (!portText.matches("\\d{1,5}")) {
            throw new IllegalArgumentException("port '" + portText + "' in '" + s + "' is not a number");
        }
        int port = Integer.parseInt(portText);
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " in '" + s + "' is out of range 1..65535");
        }
        return new HostPort(host, port);
    }

    /**
     * Parses a comma-separated list ({@code a:7400,b:7400,c:7400}); spaces around entries are ignored.
     *
     * @throws IllegalArgumentException for an empty list, an empty entry, a bad entry or a repeated address
     */
    public static List<HostPort> parseList(String csv) {
        if (csv == null || csv.isBlank()) {
            throw new IllegalArgumentException("no coordinator addresses; expected host:port,host:port,...");
        }
        List<HostPort> out = new ArrayList<>();
        Set<HostPort> seen = new LinkedHashSet<>();
        String[] entries = csv.split(",", -1);
        for (int i = 0; i < entries.length; i++) {
            if (entries[i].isBlank()) {
                throw new IllegalArgumentException("entry " + (i + 1) + " of '" + csv + "' is empty");
            }
            HostPort hp = parse(entries[i]);
            if (!seen.add(hp)) {
                throw new IllegalArgumentException(hp + " appears twice in '" + csv + "'");
            }
            out.add(hp);
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
