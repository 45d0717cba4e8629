package io.corral.auth;

import java.util.Objects;

/**
 * Who a connection authenticated as: the name of its token's entry (for logs and messages, never a secret), the role
 * that decides what it may send, and the tenant whose jobs and locks it may see and act on (the entry's {@code
 * tenant}, its name when the entry names none).
 */
public record Principal(String name, Role role, String tenant) {
    public Principal {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(tenant, "tenant");
    }

    /** A principal that is its own tenant. */
    public Principal(String name, Role role) {
        this(name, role, name);
    }

    @Override
    public String toString() {
        return "'" + name + "' (role " + role + (tenant.equals(name) ? "" : ", tenant " + tenant) + ")";
    }
}
