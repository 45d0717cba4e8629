package io.corral.coordinator.store;

import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Space;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.PerfContext;
import org.rocksdb.PerfLevel;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;

/**
 * The replicated state on RocksDB: one column family per {@link Space}, plus two adapter-private ones — {@code meta}
 * keys of the adapter itself live in {@link Space#META} under a reserved prefix, and {@code staged} holds chunk bytes
 * that arrived as Raft state-machine data, keyed by log index, until a snapshot makes them unnecessary.
 *
 * <p>Apply is single-threaded; reads run concurrently. {@link #replaceWith} swaps the whole database (snapshot
 * install) under a write lock so that no read sees a half-swapped store.
 */
public final class RocksStore implements AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    private static final byte[] APPLIED_KEY = "\u0000adapter/applied".getBytes(StandardCharsets.UTF_8);
    private static final String STAGED = "staged";
    /** Image values at least this large live in blob files rather than in the LSM tree's tables. */
    static final long MIN_BLOB_FILE_VALUE_BYTES = 4 * 1024;

    private final Path dir;
    private final ReentrantReadWriteLock swapLock = new ReentrantReadWriteLock();
    private DBOptions dbOptions;
    private ColumnFamilyOptions cfOptions;
    private ColumnFamilyOptions imageOptions;
    private RocksDB db;
    private final Map<Space, ColumnFamilyHandle> spaces = new EnumMap<>(Space.class);
    private ColumnFamilyHandle staged;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final WriteOptions applyWrite = new WriteOptions();
    private final WriteOptions syncWrite = new WriteOptions().setSync(true);
    private final ReadOptions readOptions = new ReadOptions();
    /** Each space's first live key, for apply's scans from a space's start (the apply thread's only). */
    private final SpaceHeads heads = new SpaceHeads();

    private final SpaceHeads.Seek seekCommitted = this::firstLive;

    private RocksStore(Path dir) {
        this.dir = dir;
    }

    /** Opens (creating if needed) the store in {@code dir}. */
    public static RocksStore open(Path dir) {
        RocksStore store = new RocksStore(dir);
        store.openDb();
        store.heads.reset(store.seekCommitted);
        return store;
    }

    public Path dir() {
        return dir;
    }

    private void openDb() {
        try {
            Files.createDirectories(dir);
            dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
            cfOptions = new ColumnFamilyOptions();
            imageOptions = imageBytesOptions();
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
            for (Space s : Space.values()) {
                descriptors.add(
                        new ColumnFamilyDescriptor(cfName(s), s == Space.BLOB_CHUNKS ? imageOptions : cfOptions));
            }
            descriptors.add(new ColumnFamilyDescriptor(STAGED.getBytes(StandardCharsets.UTF_8), imageOptions));
            db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            for (Space s : Space.values()) {
                spaces.put(s, handles.get(1 + s.ordinal()));
            }
            staged = handles.get(handles.size() - 1);
        } catch (RocksDBException | IOException e) {
            throw new StoreException("cannot open state store at " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Image chunks (up to 1 MiB each) and staged chunk bytes: values from {@link #MIN_BLOB_FILE_VALUE_BYTES} up go to
     * RocksDB's blob files, so compactions move a reference instead of rewriting megabytes, and nothing is compressed
     * (JPEG, PNG and WebP bytes do not compress; trying costs CPU on every flush and compaction).
     */
    private static ColumnFamilyOptions imageBytesOptions() {
        return new ColumnFamilyOptions()
                .setEnableBlobFiles(true)
                .setMinBlobSize(MIN_BLOB_FILE_VALUE_BYTES)
                .setEnableBlobGarbageCollection(true)
                .setBlobCompressionType(CompressionType.NO_COMPRESSION)
                .setCompressionType(CompressionType.NO_COMPRESSION);
    }

    private static byte[] cfName(Space s) {
        return s.name().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
    }

    /** The last entry whose changes are in the store. */
    public AppliedMark applied() {
        return read(() -> AppliedMark.decode(db.get(spaces.get(Space.META), APPLIED_KEY)));
    }

    /** A consistent read view of the current state. */
    public KvView view() {
        return new View();
    }

    /**
     * Runs {@code body} against a transaction and commits its writes atomically together with {@code mark}. The
     * commit is not fsynced: the Raft log holds the entry until a snapshot, which flushes first ({@link #flush}).
     */
    public <T> T apply(AppliedMark mark, Function<KvTxn, T> body) {
        swapLock.readLock().lock();
        try (WriteBatchWithIndex batch = new WriteBatchWithIndex(true)) {
            Txn txn = new Txn(batch);
            T result = body.apply(txn);
            batch.put(spaces.get(Space.META), APPLIED_KEY, mark.encode());
            // Commit and move the heads as one step: a reader that takes a head and an iterator under the same lock
            // sees a store in which nothing live is below that head.
            synchronized (heads) {
                db.write(applyWrite, batch);
                txn.committed();
            }
            return result;
        } catch (RocksDBException e) {
            throw new StoreException("apply of entry " + mark + " failed: " + e.getMessage(), e);
        } finally {
            swapLock.readLock().unlock();
        }
    }

    /** Records only the applied mark (entries with nothing to change, such as configuration entries). */
    public void markApplied(AppliedMark mark) {
        apply(mark, txn -> null);
    }

    /** Makes everything applied so far durable, so the log up to it may be purged. */
    public void flush() {
        read(() -> {
            try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
                db.flush(fo, handles);
            }
            return null;
        });
    }

    /** Chunk bytes that arrived with log entry {@code index}. */
    public record StagedChunk(long index, byte[] data) {}

    /** Persists chunk bytes that arrived with log entry {@code index}, fsynced before the entry counts as written. */
    public void stage(long index, byte[] data) {
        stageAll(List.of(new StagedChunk(index, data)));
    }

    /** {@link #stage} of several entries in one write and one fsync. */
    public void stageAll(List<StagedChunk> chunks) {
        read(() -> {
            try (WriteBatch batch = new WriteBatch()) {
                for (StagedChunk c : chunks) {
                    batch.put(staged, indexKey(c.index()), c.data());
                }
                db.write(syncWrite, batch);
            }
            return null;
        });
    }

    /** The staged bytes of log entry {@code index}, or null. */
    public byte[] staged(long index) {
        return read(() -> db.get(staged, readOptions, indexKey(index)));
    }

    /** Drops staged bytes of entries at or after {@code index} (the log was truncated there). */
    public void dropStagedFrom(long index) {
        read(() -> {
            db.deleteRange(staged, syncWrite, indexKey(Math.max(0, index)), indexKey(Long.MAX_VALUE));
            return null;
        });
    }

    /** Drops staged bytes of entries up to and including {@code index}: a snapshot covers them. */
    public void dropStagedThrough(long index) {
        read(() -> {
            db.deleteRange(staged, applyWrite, indexKey(0), indexKey(index + 1));
            return null;
        });
    }

    private static byte[] indexKey(long index) {
        return ByteBuffer.allocate(8).putLong(index).array();
    }

    /**
     * A RocksDB integer property summed over every column family, e.g. {@code rocksdb.total-sst-files-size}: an
     * in-memory lookup, cheap enough for every metrics scrape.
     */
    public long aggregatedProperty(String name) {
        return read(() -> db.getAggregatedLongProperty(name));
    }

    /** Writes a consistent checkpoint (hard links where possible) into {@code target}, which must not exist. */
    public void checkpoint(Path target) {
        read(() -> {
            try (Checkpoint cp = Checkpoint.create(db)) {
                cp.createCheckpoint(target.toString());
            }
            return null;
        });
    }

    /** Reads every table and checks its block checksums (a restored backup, before it is used). */
    public void verifyChecksums() {
        read(() -> {
            db.verifyChecksum();
            return null;
        });
    }

    /** Reads the applied mark of a checkpoint directory without opening it as the live store. */
    public static AppliedMark appliedOf(Path checkpointDir) {
        try (RocksStore s = RocksStore.open(checkpointDir)) {
            return s.applied();
        }
    }

    /**
     * Replaces the live database by the one in {@code source} (a downloaded checkpoint): close, move aside, move in,
     * reopen. {@code beforeReopen} runs while the store is closed.
     */
    public void replaceWith(Path source, Consumer<Path> beforeReopen) {
        swapLock.writeLock().lock();
        try {
            closeDb();
            Path old = dir.resolveSibling(dir.getFileName() + ".old");
            StoreFiles.deleteRecursively(old);
            Files.move(dir, old);
            Files.move(source, dir);
            beforeReopen.accept(dir);
            openDb();
            heads.reset(seekCommitted);
            StoreFiles.deleteRecursively(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install checkpoint " + source + " into " + dir, e);
        } finally {
            swapLock.writeLock().unlock();
        }
    }

    /** The first live key of {@code space} at or after {@code from} (null: the start) in the committed store. */
    private byte[] firstLive(Space space, byte[] from) {
        try (RocksIterator it = db.newIterator(spaces.get(space), readOptions)) {
            if (from == null) {
                it.seekToFirst();
            } else {
                it.seek(from);
            }
            return it.isValid() ? it.key() : null;
        }
    }

    /**
     * What RocksDB did while {@code body} ran on this thread, for tests: the deleted entries (tombstones) it skipped
     * (what {@link SpaceHeads} saves) and the seeks of iterators into its memtable (none for a scan of an empty range).
     */
    record Work(long tombstonesSkipped, long memtableSeeks) {}

    Work workOf(Runnable body) {
        db.setPerfLevel(PerfLevel.ENABLE_COUNT);
        PerfContext perf = db.getPerfContext();
        perf.reset();
        try {
            body.run();
            return new Work(perf.getInternalDeleteSkippedCount(), perf.getSeekOnMemtableCount());
        } finally {
            db.setPerfLevel(PerfLevel.DISABLE);
        }
    }

    long tombstonesSkippedBy(Runnable body) {
        return workOf(body).tombstonesSkipped();
    }

    private interface RocksCall<T> {
        T call() throws RocksDBException;
    }

    private <T> T read(RocksCall<T> call) {
        swapLock.readLock().lock();
        try {
            return call.call();
        } catch (RocksDBException e) {
            throw new StoreException("state store failure in " + dir + ": " + e.getMessage(), e);
        } finally {
            swapLock.readLock().unlock();
        }
    }

    private void closeDb() {
        for (ColumnFamilyHandle h : handles) {
            h.close();
        }
        handles.clear();
        spaces.clear();
        if (db != null) {
            db.close();
            db = null;
        }
        if (dbOptions != null) {
            dbOptions.close();
            cfOptions.close();
            imageOptions.close();
        }
    }

    @Override
    public void close() {
        swapLock.writeLock().lock();
        try {
            closeDb();
        } finally {
            swapLock.writeLock().unlock();
        }
    }

    private final class View implements KvView {
        @Override
        public byte[] get(Space space, byte[] key) {
            return read(() -> db.get(spaces.get(space), readOptions, key));
        }

        @Override
        public void scan(Space space, byte[] from, byte[] to, boolean reverse, Visitor visitor) {
            read(() -> {
                ColumnFamilyHandle cf = spaces.get(space);
                byte[] start = from;
                RocksIterator created;
                if (from == null) {
                    // The head and the iterator's view of the store between the same two commits (see apply).
                    synchronized (heads) {
                        start = heads.knownBound(space);
                        if (Scans.emptyRange(start, to)) {
                            return null;
                        }
                        created = db.newIterator(cf, readOptions);
                    }
                } else if (Scans.emptyRange(from, to)) {
                    return null;
                } else {
                    created = db.newIterator(cf, readOptions);
                }
                try (RocksIterator it = created) {
                    Scans.run(it, start, to, reverse, visitor);
                }
                return null;
            });
        }
    }

    private final class Txn implements KvTxn {
        private final WriteBatchWithIndex batch;
        /** Per space, the smallest key this batch put and deleted, and the largest it deleted (for {@link SpaceHeads}). */
        private final byte[][] minPut = new byte[Space.values().length][];

        private final byte[][] minDeleted = new byte[Space.values().length][];
        private final byte[][] maxDeleted = new byte[Space.values().length][];

        Txn(WriteBatchWithIndex batch) {
            this.batch = batch;
        }

        void committed() {
            for (Space s : Space.values()) {
                int i = s.ordinal();
                if (minPut[i] != null || minDeleted[i] != null) {
                    heads.committed(s, minPut[i], minDeleted[i], maxDeleted[i], seekCommitted);
                }
            }
        }

        private void note(byte[][] mins, Space space, byte[] key) {
            byte[] min = mins[space.ordinal()];
            if (min == null || SpaceHeads.compare(key, min) < 0) {
                mins[space.ordinal()] = key.clone();
            }
        }

        private void noteMax(byte[][] maxes, Space space, byte[] key) {
            byte[] max = maxes[space.ordinal()];
            if (max == null || SpaceHeads.compare(key, max) > 0) {
                maxes[space.ordinal()] = key.clone();
            }
        }

        @Override
        public byte[] get(Space space, byte[] key) {
            try {
                return batch.getFromBatchAndDB(db, spaces.get(space), readOptions, key);
            } catch (RocksDBException e) {
                throw new StoreException("read in apply failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void scan(Space space, byte[] from, byte[] to, boolean reverse, Visitor visitor) {
            ColumnFamilyHandle cf = spaces.get(space);
            // From the space's start: from its first live key (or this batch's smaller put), not through the
            // tombstones of what was consumed before it.
            byte[] start = from != null ? from : heads.lowerBound(space, minPut[space.ordinal()], seekCommitted);
            if (Scans.emptyRange(start, to)) {
                return;
            }
            try (RocksIterator base = db.newIterator(cf, readOptions);
                    RocksIterator it = batch.newIteratorWithBase(cf, base)) {
                Scans.run(it, start, to, reverse, visitor);
            }
        }

        @Override
        public void put(Space space, byte[] key, byte[] value) {
            try {
                batch.put(spaces.get(space), key, value);
            } catch (RocksDBException e) {
                throw new StoreException("write in apply failed: " + e.getMessage(), e);
            }
            note(minPut, space, key);
        }

        @Override
        public void delete(Space space, byte[] key) {
            try {
                batch.delete(spaces.get(space), key);
            } catch (RocksDBException e) {
                throw new StoreException("delete in apply failed: " + e.getMessage(), e);
            }
            note(minDeleted, space, key);
            noteMax(maxDeleted, space, key);
        }
    }
}
