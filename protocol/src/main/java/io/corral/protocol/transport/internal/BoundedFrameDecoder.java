package io.corral.protocol.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The server's framing ({@link FrameDecoder}'s format) with bounds on what a peer can make it hold. Netty's
 * length-field decoder grows one cumulation buffer up to the length a peer announces, so 4 bytes announcing 2 MiB and
 * a slow trickle pin 2 MiB (more while it grows) for as long as the peer likes. Here:
 *
 * <ul>
 *   <li>until {@link #welcomed()} the limit is the small pre-Hello one;
 *   <li>a payload that arrives whole within one read is handed on as a slice of that read, holding nothing after it;
 *   <li>the rest of a payload is copied into pieces of at most {@link #MAX_PIECE_BYTES}, each reserved in the
 *       server's {@link FrameBudget} before it is allocated, so what is held never exceeds the budget, nor what
 *       arrived by more than {@link #MIN_PIECE_BYTES}; when the budget is full the slowest unfinished frame is
 *       evicted, or this one refused;
 *   <li>a frame not complete {@code frameTimeoutMs} after its first byte is refused.
 * </ul>
 *
 * A refusal goes down the pipeline as a {@link FrameRefusal} once; every later byte is dropped and {@link
 * ServerConnection} closes the connection. Everything runs on the channel's event loop except {@link #evict} and
 * {@link #progress}, which other connections' loops call: the fields they touch are guarded by {@code this}.
 */
public final class BoundedFrameDecoder extends ChannelInboundHandlerAdapter {
    /**
     * Pieces of one unfinished payload are sized to the bytes at hand, within these bounds: a trickle pins at most
     * {@link #MIN_PIECE_BYTES} more than it sent, and a fast sender's 2 MiB frame takes a few dozen pieces.
     */
    static final int MIN_PIECE_BYTES = 4 * 1024;

    static final int MAX_PIECE_BYTES = 64 * 1024;

    /** How many slow frames one piece may evict before its own frame is refused instead. */
    private static final int MAX_EVICTIONS_PER_PIECE = 4;

    /** What another connection's loop reads to choose a frame to evict. */
    record Progress(long startNanos, long receivedBytes, long charged, boolean preAuth) {}

    private final FrameBudget budget;
    private final int maxFrameBytes;
    private final int maxPreAuthFrameBytes;
    private final long frameTimeoutMs;
    private ChannelHandlerContext ctx;
    private boolean welcomed;
    private boolean refused;
    private boolean inFrame;
    private int prefixBytes;
    private long declaredBytes;
    private long frameSeq;
    private final List<ByteBuf> pieces = new ArrayList<>();
    private ScheduledFuture<?> frameTimer;

    // Guarded by this: read by other loops (progress, evict).
    private long frameStartNanos;
    private long receivedBytes;
    private long charged;
    private boolean preAuthFrame;
    private boolean evicted;

    public BoundedFrameDecoder(FrameBudget budget, int maxFrameBytes, int maxPreAuthFrameBytes, long frameTimeoutMs) {
        this.budget = budget;
        this.maxFrameBytes = maxFrameBytes;
        this.maxPreAuthFrameBytes = Math.min(maxPreAuthFrameBytes, maxFrameBytes);
        this.frameTimeoutMs = frameTimeoutMs;
    }

    /** The Hello was accepted: from the next frame on, the full frame limit applies. */
    public void welcomed() {
        welcomed = true;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            while (!refused && !isEvicted() && (in.isReadable() || prefixBytes == FrameDecoder.LENGTH_BYTES)) {
                if (!decodeOne(in)) {
                    break;
                }
            }
        } finally {
            in.release();
        }
        armFrameTimer();
    }

    /** Advances the current frame with the bytes of {@code in}; true when it was delivered and another may follow. */
    private boolean decodeOne(ByteBuf in) {
        if (prefixBytes < FrameDecoder.LENGTH_BYTES && !readPrefix(in)) {
            return false;
        }
        if (pieces.isEmpty() && in.readableBytes() >= declaredBytes) {
            // The whole payload is in this read: a slice of it, no copy, nothing held once the handler returns.
            deliver(in.readRetainedSlice((int) declaredBytes));
            return true;
        }
        while (receivedBytes() < declaredBytes && in.isReadable()) {
            ByteBuf piece = writablePiece(in.readableBytes());
            if (piece == null) {
                return false;
            }
            int n = (int)
                    Math.min(Math.min(piece.writableBytes(), in.readableBytes()), declaredBytes - receivedBytes());
            in.readBytes(piece, n);
            synchronized (this) {
                receivedBytes += n;
            }
        }
        if (receivedBytes() < declaredBytes) {
            return false;
        }
        deliver(
                pieces.size() == 1
                        ? pieces.get(0)
                        : ctx.alloc().compositeBuffer(pieces.size()).addComponents(true, pieces));
        return true;
    }

    /** True once the 4-byte prefix is complete and within the connection's limit (it may span reads). */
    private boolean readPrefix(ByteBuf in) {
        if (!inFrame) {
            startFrame();
        }
        while (prefixBytes < FrameDecoder.LENGTH_BYTES && in.isReadable()) {
            declaredBytes = (declaredBytes << 8) | in.readUnsignedByte();
            prefixBytes++;
        }
        if (prefixBytes < FrameDecoder.LENGTH_BYTES) {
            return false;
        }
        long limit = welcomed ? maxFrameBytes : maxPreAuthFrameBytes;
        if (declaredBytes > limit) {
            refuse(new FrameRefusal.TooLarge(declaredBytes, limit, !welcomed));
            return false;
        }
        synchronized (this) {
            preAuthFrame = !welcomed;
        }
        return true;
    }

    private void startFrame() {
        inFrame = true;
        frameSeq++;
        synchronized (this) {
            frameStartNanos = System.nanoTime();
            receivedBytes = 0;
        }
    }

    /** The piece to copy into: the last one if it has room, else a new one reserved first; null when refused. */
    private ByteBuf writablePiece(int bytesAtHand) {
        if (!pieces.isEmpty() && pieces.get(pieces.size() - 1).isWritable()) {
            return pieces.get(pieces.size() - 1);
        }
        int wanted = Math.max(MIN_PIECE_BYTES, Math.min(MAX_PIECE_BYTES, bytesAtHand));
        int size = (int) Math.min(wanted, declaredBytes - receivedBytes());
        if (!reserve(size)) {
            if (!isEvicted()) {
                refuse(new FrameRefusal.NoRoom(declaredBytes, budget.maxBytes()));
            }
            return null;
        }
        ByteBuf piece = ctx.alloc().buffer(size, size);
        pieces.add(piece);
        return piece;
    }

    /** Reserves {@code size} bytes, evicting slow frames of other connections for them if need be. */
    private boolean reserve(int size) {
        boolean preAuth = preAuthFrame();
        long nowNanos = System.nanoTime();
        for (int evictions = 0; ; evictions++) {
            if (budget.tryReserve(size, preAuth)) {
                synchronized (this) {
                    if (evicted) {
                        budget.release(size, preAuth);
                        return false;
                    }
                    charged += size;
                }
                budget.holding(this);
                return true;
            }
            BoundedFrameDecoder victim =
                    evictions < MAX_EVICTIONS_PER_PIECE ? budget.slowest(this, preAuth, nowNanos) : null;
            if (victim == null) {
                return false;
            }
            victim.evict();
        }
    }

    /**
     * Called from another connection's loop: gives up this frame's room at once and closes this connection on its own
     * loop. Its buffers are freed there, within that loop's next turn.
     */
    void evict() {
        long stolen;
        boolean preAuth;
        long received;
        long ageMs;
        synchronized (this) {
            if (evicted || charged == 0) {
                return;
            }
            evicted = true;
            stolen = charged;
            charged = 0;
            preAuth = preAuthFrame;
            received = receivedBytes;
            ageMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frameStartNanos);
        }
        budget.release(stolen, preAuth);
        budget.notHolding(this);
        try {
            ctx.executor().execute(() -> {
                if (!refused) {
                    refuse(new FrameRefusal.Evicted(declaredBytes, received, ageMs));
                }
            });
        } catch (RejectedExecutionException e) {
            // Its loop is shutting down with the server: the connection closes anyway.
        }
    }

    synchronized Progress progress() {
        return new Progress(frameStartNanos, receivedBytes, charged, preAuthFrame);
    }

    private void deliver(ByteBuf payload) {
        pieces.clear(); // the payload owns them now
        long release;
        boolean preAuth;
        synchronized (this) {
            release = charged;
            charged = 0;
            preAuth = preAuthFrame;
        }
        endFrame();
        try {
            ctx.fireChannelRead(payload);
        } finally {
            // The handler decodes and releases the payload before it returns: its room is free again.
            budget.release(release, preAuth);
        }
    }

    private void endFrame() {
        inFrame = false;
        prefixBytes = 0;
        declaredBytes = 0;
        budget.notHolding(this);
        if (frameTimer != null) {
            frameTimer.cancel(false);
            frameTimer = null;
        }
    }

    private void armFrameTimer() {
        if (!inFrame || refused || frameTimer != null) {
            return;
        }
        long seq = frameSeq;
        long leftNanos = frameStartNanos() + TimeUnit.MILLISECONDS.toNanos(frameTimeoutMs) - System.nanoTime();
        frameTimer = ctx.executor()
                .schedule(
                        () -> {
                            if (inFrame && frameSeq == seq && !refused) {
                                long frameBytes = prefixBytes == FrameDecoder.LENGTH_BYTES ? declaredBytes : -1;
                                refuse(new FrameRefusal.Late(frameBytes, receivedBytes(), frameTimeoutMs));
                            }
                        },
                        Math.max(0, leftNanos),
                        TimeUnit.NANOSECONDS);
    }

    private void refuse(FrameRefusal refusal) {
        refused = true;
        free();
        ctx.fireChannelRead(refusal);
    }

    /** Releases the unfinished frame's pieces and its room; idempotent. */
    private void free() {
        for (ByteBuf piece : pieces) {
            piece.release();
        }
        pieces.clear();
        long release;
        boolean preAuth;
        synchronized (this) {
            release = charged;
            charged = 0;
            preAuth = preAuthFrame;
        }
        budget.release(release, preAuth);
        endFrame();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        free();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        free();
    }

    private synchronized boolean isEvicted() {
        return evicted;
    }

    private synchronized long receivedBytes() {
        return receivedBytes;
    }

    private synchronized long frameStartNanos() {
        return frameStartNanos;
    }

    private synchronized boolean preAuthFrame() {
        return preAuthFrame;
    }
}
