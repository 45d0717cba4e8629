package io.corral.coordinator.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.corral.auth.Role;

/**
 * Who sent a request, as the ownership rules see it: the tenant its token belongs to and its role. A job belongs to
 * the tenant that submitted it and a lock to the tenant that acquired it. An admin sees and controls everything; a
 * read-only token sees every job but controls nothing and sees no other tenant's lock token; a submitter or a worker
 * sees and controls only what its own tenant owns. Something without an owner (made while authentication was off)
 * is an admin's only.
 *
 * <p>{@link #SYSTEM} stands for a cluster without authentication and for the leader's own decisions: it records no
 * owner and is refused nothing. Commands in log entries written before ownership existed carry no caller and are
 * applied as {@link #SYSTEM}, as they were when they were accepted.
 *
 * @param tenant null only for {@link #SYSTEM}
 * @param worker the worker id the caller's connection registered as, for reads only (a worker reads the input of a
 *     task it holds the lease on); null otherwise, and never in a log entry
 */
public record Caller(
        String tenant,
        Role role,
        @JsonInclude(JsonInclude.Include.NON_NULL) String worker) {
    public static final Caller SYSTEM = new Caller(null, Role.ADMIN);

    public Caller(String tenant, Role role) {
        this(tenant, role, null);
    }

    /** This caller, as the worker its connection registered as. */
    public Caller asWorker(String workerId) {
        return new Caller(tenant, role, workerId);
    }

    /** {@code caller}, or {@link #SYSTEM} for a command decoded from an entry that carries none. */
    public static Caller orSystem(Caller caller) {
        return caller == null ? SYSTEM : caller;
    }

    /** Whether this caller may act on (cancel, retry, release, renew) what {@code owner} owns, and see its tokens. */
    public boolean controls(String owner) {
        return role == Role.ADMIN || role == Role.PEER || (tenant != null && tenant.equals(owner));
    }

    /** Whether this caller may read the status of what {@code owner} owns. */
    public boolean sees(String owner) {
        return controls(owner) || role == Role.READ_ONLY;
    }

    /** Whether this caller may use every image without having uploaded it (admins, coordinators, no authentication). */
    public boolean usesAnyImage() {
        return tenant == null || role == Role.ADMIN || role == Role.PEER;
    }

    /** Whether this caller sees every job, so that listing needs no owner filter. */
    public boolean seesAll() {
        return role == Role.ADMIN || role == Role.PEER || role == Role.READ_ONLY;
    }

    @Override
    public String toString() {
        return tenant == null ? "the system" : "tenant '" + tenant + "'";
    }
}
