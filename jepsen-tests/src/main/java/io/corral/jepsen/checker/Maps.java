package io.corral.jepsen.checker;

import java.util.LinkedHashMap;
import java.util.Map;

/** Small ordered maps for examples: {@link Map#of} refuses nulls and loses the order a reader expects. */
final class Maps {
    private Maps() {}

    static Map<String, Object> of(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must come in pairs");
        }
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
