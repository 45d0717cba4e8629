package io.corral.protocol.codec;

import io.corral.protocol.Request;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds a {@code null} where a request must carry a value. Doing it once at decode time means no handler can be
 * crashed by a missing string, and the client learns which field it forgot.
 */
final class NullFields {
    /** "Record.field" of the request fields where null means "absent"; documented on {@link Json}. */
    static final Set<String> OPTIONAL = Set.of(
            "SubmitJob.idempotencyKey",
            "ListJobs.state",
            "ListJobs.before",
            "TransferLeader.targetId",
            "AddPeer.httpAddress",
            "Hello.token");

    private NullFields() {}

    /** Returns a description of the first forbidden null, or null when there is none. */
    static String firstForbiddenNull(Request request) {
        return inRecord((Record) request, "", request.getClass().getSimpleName());
    }

    private static String inRecord(Record record, String prefix, String messageType) {
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            if (component.getType().isPrimitive()) {
                continue;
            }
            String path = prefix + component.getName();
            Object value = read(component, record);
            if (value == null) {
                String key = record.getClass().getSimpleName() + "." + component.getName();
                if (OPTIONAL.contains(key)) {
                    continue;
                }
                return "field '" + path + "' of " + messageType + " must not be null";
            }
            String found = inValue(value, path, messageType);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static String inValue(Object value, String path, String messageType) {
        if (value instanceof Record nested) {
            return inRecord(nested, path + ".", messageType);
        }
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                Object element = list.get(i);
                String elementPath = path + "[" + i + "]";
                if (element == null) {
                    return "field '" + elementPath + "' of " + messageType + " must not be null";
                }
                String found = inValue(element, elementPath, messageType);
                if (found != null) {
                    return found;
                }
            }
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (entry.getKey() == null || entry.getValue() == null) {
                    return "field '" + path + "' of " + messageType + " must not hold null keys or values";
                }
            }
        }
        return null;
    }

    private static Object read(RecordComponent component, Record record) {
        try {
            return component.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            // Accessors of public records are public and cannot throw; reaching this is a bug.
            throw new IllegalStateException("cannot read " + component, e);
        }
    }
}
