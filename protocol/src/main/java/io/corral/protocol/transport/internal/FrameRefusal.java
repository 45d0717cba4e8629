package io.corral.protocol.transport.internal;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.transport.ConnectionLimit;

/**
 * Emitted by {@link BoundedFrameDecoder} instead of a frame it will not deliver. {@link ServerConnection} answers it
 * with an error of id 0 and closes: once a frame is refused the stream cannot be resynchronized cheaply.
 */
sealed interface FrameRefusal {
    ErrorCode code();

    ConnectionLimit limit();

    /** The error's text: what was refused, with the numbers, never the frame's bytes. */
    String describe();

    /** A length prefix above the connection's limit; the payload is never buffered. */
    record TooLarge(long frameBytes, long maxFrameBytes, boolean beforeHello) implements FrameRefusal {
        @Override
        public ErrorCode code() {
            return ErrorCode.TOO_LARGE;
        }

        @Override
        public ConnectionLimit limit() {
            return beforeHello ? ConnectionLimit.PRE_AUTH_FRAME_TOO_LARGE : ConnectionLimit.FRAME_TOO_LARGE;
        }

        @Override
        public String describe() {
            return "frame of " + frameBytes + " bytes exceeds the limit of " + maxFrameBytes + " bytes"
                    + (beforeHello ? " before Hello (a Hello is a few hundred bytes)" : "");
        }
    }

    /** A frame that began arriving {@code timeoutMs} ago and is still incomplete ({@code frameBytes} -1: its prefix). */
    record Late(long frameBytes, long receivedBytes, long timeoutMs) implements FrameRefusal {
        @Override
        public ErrorCode code() {
            return ErrorCode.TIMEOUT;
        }

        @Override
        public ConnectionLimit limit() {
            return ConnectionLimit.FRAME_TIMEOUT;
        }

        @Override
        public String describe() {
            if (frameBytes < 0) {
                return "a frame's length prefix did not arrive within " + timeoutMs + " ms";
            }
            return "frame of " + frameBytes + " bytes did not arrive within " + timeoutMs + " ms (" + receivedBytes
                    + " bytes did)";
        }
    }

    /** No room for the frame's next bytes: every unfinished frame is younger or faster than this one's need. */
    record NoRoom(long frameBytes, long maxUnfinishedFrameBytes) implements FrameRefusal {
        @Override
        public ErrorCode code() {
            return ErrorCode.OVERLOADED;
        }

        @Override
        public ConnectionLimit limit() {
            return ConnectionLimit.UNFINISHED_FRAMES_FULL;
        }

        @Override
        public String describe() {
            return "no room for a frame of " + frameBytes + " bytes: this coordinator holds its limit of "
                    + maxUnfinishedFrameBytes + " bytes of unfinished frames; retry later or on another coordinator";
        }
    }

    /** This connection's frame was the slowest to arrive when another frame needed its room. */
    record Evicted(long frameBytes, long receivedBytes, long ageMs) implements FrameRefusal {
        @Override
        public ErrorCode code() {
            return ErrorCode.OVERLOADED;
        }

        @Override
        public ConnectionLimit limit() {
            return ConnectionLimit.SLOW_FRAME_EVICTED;
        }

        @Override
        public String describe() {
            return "frame of " + frameBytes + " bytes had " + receivedBytes + " bytes after " + ageMs
                    + " ms, the slowest while this coordinator was out of room for unfinished frames";
        }
    }
}
