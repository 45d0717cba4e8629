package io.corral.coordinator.state.blobs;

import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Codec;
import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Scans;
import io.corral.coordinator.state.kv.Space;

/**
 * Which tenants may use a stored image (issue 11, docs/security.md "Ownership"). Identical images are stored once, but
 * a tenant may name one in a job, ask whether the cluster has it or download it only when it uploaded all of its bytes
 * itself (the first upload, or a proof: every chunk again, checked against the stored one) or when a task of one of
 * its jobs produced it as a result. Knowing a digest is not enough. Grants last as long as the image.
 *
 * <pre>
 * BLOB_GRANTS  sha256 | tenant  -> empty
 * BLOB_PROOFS  sha256 | tenant  -> ProofRecord   (a tenant re-uploading an image the cluster holds)
 * </pre>
 */
public final class BlobGrants {
    private BlobGrants() {}

    static byte[] key(String sha256, String tenant) {
        return Keys.concat(Keys.utf8(sha256), Keys.utf8(tenant));
    }

    /** Whether {@code caller} may use the image {@code sha256} (which may not exist). */
    public static boolean mayUse(KvView view, Caller caller, String sha256) {
        return caller.usesAnyImage() || granted(view, caller.tenant(), sha256);
    }

    static boolean mayUse(KvView view, String tenant, String sha256) {
        return tenant == null || granted(view, tenant, sha256);
    }

    public static boolean granted(KvView view, String tenant, String sha256) {
        return view.get(Space.BLOB_GRANTS, key(sha256, tenant)) != null;
    }

    /** Lets {@code tenant} use the image; nothing for null (no authentication: everyone may). */
    public static void grant(KvTxn txn, String tenant, String sha256) {
        if (tenant != null) {
            txn.put(Space.BLOB_GRANTS, key(sha256, tenant), Keys.EMPTY);
        }
    }

    static ProofRecord proof(KvView view, String sha256, String tenant) {
        byte[] value = view.get(Space.BLOB_PROOFS, key(sha256, tenant));
        return value == null ? null : Codec.decode(value, ProofRecord.class);
    }

    static void putProof(KvTxn txn, String sha256, String tenant, ProofRecord proof) {
        txn.put(Space.BLOB_PROOFS, key(sha256, tenant), Codec.encode(proof));
    }

    static void deleteProof(KvTxn txn, String sha256, String tenant) {
        txn.delete(Space.BLOB_PROOFS, key(sha256, tenant));
    }

    /** The image is collected: every grant and proof of it goes too. */
    static void forget(KvTxn txn, String sha256) {
        Scans.deletePrefix(txn, Space.BLOB_GRANTS, Keys.utf8(sha256));
        Scans.deletePrefix(txn, Space.BLOB_PROOFS, Keys.utf8(sha256));
    }
}
