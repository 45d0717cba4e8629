package io.corral.auth;

import java.util.Objects;

/**
 * Who a connection authenticated as: the name of its token's entry (for logs and messages, never a secret) and the
 * role that decides what it may send.
 */
public record Principal(String name, Role role) {
    public Principal {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
    }

    @Override
    public String toString() {
        return "'" + name + "' (role " + role + ")";
    }
}
