package io.corral.jepsen.checker;

/**
 * A checker's verdict. UNKNOWN is never rounded to VALID: a check that ran out of time or could not decide says so,
 * so a green report always means "checked and found valid".
 */
public enum Validity {
    VALID,
    /** The checker could not decide, for example because its time limit ended the search. */
    UNKNOWN,
    INVALID;

    /** The verdict of two checks together: INVALID dominates UNKNOWN, which dominates VALID. */
    public Validity and(Validity other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
