package io.corral.protocol.codec;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.corral.protocol.Envelope;
import io.corral.protocol.Message;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Turns Jackson's exceptions into one-line messages for client authors. Jackson's own messages name Java classes
 * and suggest Jackson features; ours name the JSON field, the message type and what the field must hold. The
 * wording of each case is pinned by {@code JsonTest}, so a Jackson upgrade that changes it is noticed.
 */
final class DecodeErrors {
    /** Jackson's wording for a missing field under FAIL_ON_MISSING_CREATOR_PROPERTIES (it changed over versions). */
    private static final List<String> MISSING_PREFIXES =
            List.of("Missing creator property '", "Missing required creator property '");

    /** Fields whose value is a credential ("field of Type"): an error names them but never quotes their value. */
    private static final java.util.Set<String> SECRET_FIELDS = java.util.Set.of("token of Hello");

    private DecodeErrors() {}

    static String describe(IOException e) {
        if (e instanceof InvalidTypeIdException t) {
            return t.getTypeId() == null || t.getTypeId().isEmpty()
                    ? "the message has no 'type' field"
                    : "unknown message type '" + t.getTypeId() + "'";
        }
        if (e instanceof InvalidDefinitionException d
                && d.getType() != null
                && d.getType().isAbstract()) {
            // {"type":"Request"} names the family itself, which Jackson resolves and then cannot instantiate.
            return "unknown message type '" + d.getType().getRawClass().getSimpleName() + "'";
        }
        if (e instanceof UnrecognizedPropertyException u) {
            return "unknown field '" + path(u, u.getPropertyName()) + "'" + ofType(u);
        }
        if (e instanceof InvalidFormatException f) {
            String field = path(f, null);
            String type = ofType(f);
            // A secret sent with the wrong type is still a secret: never echo it into a reply or a log.
            String got = SECRET_FIELDS.contains(field + type) ? "" : ", got '" + f.getValue() + "'";
            return "field '" + field + "'" + type + " must be " + expected(f.getTargetType()) + got;
        }
        if (e instanceof MismatchedInputException m) {
            return mismatched(m);
        }
        if (e instanceof ValueInstantiationException v) {
            return instantiation(v);
        }
        if (e instanceof JsonMappingException m && m.getCause() instanceof InputCoercionException) {
            return "field '" + path(m, null) + "'" + ofType(m) + " is out of range";
        }
        if (e instanceof StreamReadException r) {
            return "malformed JSON" + at(r.getLocation()) + ": " + shorten(r.getOriginalMessage());
        }
        if (e instanceof JacksonException j) {
            return "invalid envelope: " + shorten(j.getOriginalMessage());
        }
        return "unreadable frame: " + e.getMessage();
    }

    private static String mismatched(MismatchedInputException m) {
        String original = String.valueOf(m.getOriginalMessage());
        for (String prefix : MISSING_PREFIXES) {
            if (original.startsWith(prefix)) {
                String field = original.substring(prefix.length(), original.indexOf('\'', prefix.length()));
                return "missing field '" + path(m, field) + "'" + ofType(m);
            }
        }
        if (original.startsWith(Attachments.ERROR_PREFIX)) {
            return "field '" + path(m, null) + "'" + ofType(m) + " "
                    + original.substring(Attachments.ERROR_PREFIX.length());
        }
        if (original.startsWith("No content to map")) {
            return "empty frame; expected a JSON envelope";
        }
        if (m.getPath().isEmpty()) {
            return "expected a JSON object {\"id\":..,\"message\":{\"type\":..}}";
        }
        return "field '" + path(m, null) + "'" + ofType(m) + " must be " + expected(m.getTargetType());
    }

    /** A record constructor refused its arguments; by convention a null check names the field. */
    private static String instantiation(ValueInstantiationException v) {
        String type =
                v.getType() == null ? "envelope" : v.getType().getRawClass().getSimpleName();
        Throwable cause = v.getCause();
        if (cause instanceof NullPointerException && cause.getMessage() != null) {
            return "field '" + cause.getMessage() + "' of " + type + " must not be null";
        }
        return "invalid " + type + ": " + (cause == null ? shorten(v.getOriginalMessage()) : cause.getMessage());
    }

    /** The JSON path of the field inside the message; the envelope's "message." prefix is noise to the reader. */
    private static String path(JsonMappingException e, String leaf) {
        StringBuilder out = new StringBuilder();
        List<JsonMappingException.Reference> refs = e.getPath();
        for (int i = 0; i < refs.size(); i++) {
            JsonMappingException.Reference ref = refs.get(i);
            boolean envelopeMessage = i == 0 && refs.size() > 1 && "message".equals(ref.getFieldName());
            if (envelopeMessage) {
                continue;
            }
            if (ref.getFieldName() != null) {
                out.append(out.length() > 0 ? "." : "").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        if (leaf != null && !out.toString().endsWith(leaf)) {
            out.append(out.length() > 0 ? "." : "").append(leaf);
        }
        return out.toString();
    }

    /** " of GetJob": the message that holds the field (not a nested view), or the envelope at the top level. */
    private static String ofType(JsonMappingException e) {
        String fallback = "";
        for (JsonMappingException.Reference ref : e.getPath()) {
            Object from = ref.getFrom();
            Class<?> type = from instanceof Class<?> c ? c : from == null ? null : from.getClass();
            if (type != null && Message.class.isAssignableFrom(type) && type.isRecord()) {
                return " of " + type.getSimpleName();
            }
            if (type == Envelope.class && fallback.isEmpty()) {
                fallback = " of Envelope";
            }
        }
        return fallback;
    }

    private static String expected(Class<?> target) {
        if (target == null) {
            return "a different kind of value";
        }
        if (target == byte[].class) {
            return "the length in bytes of its binary attachment";
        }
        if (target.isEnum()) {
            return "one of " + Arrays.toString(target.getEnumConstants());
        }
        if (target == boolean.class || target == Boolean.class) {
            return "true or false";
        }
        if (target.isPrimitive() || Number.class.isAssignableFrom(target)) {
            return "a number";
        }
        if (target == String.class) {
            return "a string";
        }
        if (Collection.class.isAssignableFrom(target) || target.isArray()) {
            return "an array";
        }
        return Map.class.isAssignableFrom(target) || target.isRecord() || target.isInterface()
                ? "an object"
                : "a " + target.getSimpleName();
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    /** Drops Jackson's trailing source description ("(start marker at [Source: ...])"). */
    private static String shorten(String message) {
        if (message == null) {
            return "";
        }
        int cut = message.indexOf(" (start marker at");
        return cut < 0 ? message : message.substring(0, cut);
    }
}
