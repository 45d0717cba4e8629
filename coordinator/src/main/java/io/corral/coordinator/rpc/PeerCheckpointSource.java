package io.corral.coordinator.rpc;

import io.corral.client.CorralClient;
import io.corral.coordinator.membership.Member;
import io.corral.coordinator.membership.Members;
import io.corral.coordinator.raft.CheckpointSource;
import io.corral.coordinator.store.AppliedMark;
import io.corral.protocol.CheckpointFile;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The follower side of snapshot installation: pulls a checkpoint from the leader's RPC port file by file, verifies
 * every size, and fsyncs each file before the install is marked complete.
 */
public final class PeerCheckpointSource implements CheckpointSource {
    private final Members members;
    private final PeerClients.Credentials credentials;

    public PeerCheckpointSource(Members members) {
        this(members, PeerClients.Credentials.NONE);
    }

    /** {@code credentials}: TLS and token towards the leader, whose RPC port may require them. */
    public PeerCheckpointSource(Members members, PeerClients.Credentials credentials) {
        this.members = members;
        this.credentials = credentials;
    }

    @Override
    public AppliedMark download(String leaderId, String leaderRpcAddress, Path target) throws Exception {
        Member leader = leaderRpcAddress != null
                ? new Member(leaderId, null, leaderRpcAddress, null)
                : members.find(leaderId)
                        .filter(m -> m.rpcAddress() != null)
                        .orElseThrow(() -> new IOException("the rpc address of leader " + leaderId + " is not known"));
        try (CorralClient client = PeerClients.connect(leader, "snapshot-install:" + members.selfId(), credentials)) {
            Response.CheckpointOpened cp = client.call(new Request.OpenCheckpoint(), Response.CheckpointOpened.class);
            try {
                Files.createDirectories(target);
                for (CheckpointFile f : cp.files()) {
                    fetch(client, cp.checkpointId(), f, target.resolve(f.name()));
                }
            } finally {
                client.call(new Request.CloseCheckpoint(cp.checkpointId()), Response.Ack.class);
            }
            return new AppliedMark(cp.term(), cp.index());
        }
    }

    private static void fetch(CorralClient client, String id, CheckpointFile f, Path dest) throws IOException {
        try (OutputStream out = Files.newOutputStream(dest)) {
            long offset = 0;
            while (offset < f.size()) {
                Response.CheckpointData d = client.call(
                        new Request.ReadCheckpoint(id, f.name(), offset, Limits.MAX_CHUNK_BYTES),
                        Response.CheckpointData.class);
                if (d.data().length == 0) {
                    throw new IOException("checkpoint file " + f.name() + " ended at " + offset + " of " + f.size());
                }
                out.write(d.data());
                offset += d.data().length;
            }
        }
        if (Files.size(dest) != f.size()) {
            throw new IOException(
                    "checkpoint file " + f.name() + " has " + Files.size(dest) + " bytes, expected " + f.size());
        }
        try (var ch = java.nio.channels.FileChannel.open(dest, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }
}
