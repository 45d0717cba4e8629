package io.corral.protocol.transport.internal;

/**
 * What a {@code Hello}'s client name may be: it only labels a connection in logs and session listings, and it comes
 * from whoever connects, before any token is checked. One line of printable text, {@link #MAX_CHARS} at most; anything
 * else is refused, so that nobody can write a line of their own into a coordinator's log (issue 11).
 */
public final class ClientNames {
    /** The longest client name accepted, in characters. */
    public static final int MAX_CHARS = 128;

    private ClientNames() {}

    /** Why {@code name} is refused, or null when it is fine. */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "the client name is empty; name the program that connects (such as corral-cli)";
        }
        if (name.length() > MAX_CHARS) {
            return "the client name is " + name.length() + " characters long; at most " + MAX_CHARS;
        }
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            if (Character.isISOControl(c)
                    || Character.getType(c) == Character.LINE_SEPARATOR
                    || Character.getType(c) == Character.PARAGRAPH_SEPARATOR
                    || Character.getType(c) == Character.FORMAT) {
                return "the client name holds a control character (U+" + String.format("%04X", c) + " at " + i
                        + "); use one line of printable text";
            }
            i += Character.charCount(c);
        }
        return null;
    }
}
