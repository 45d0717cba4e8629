package io.corral.worker.internal;

/** An invalid configuration or flag. The message starts with the offending key, so an operator knows what to fix. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String key;

    public ConfigException(String key, String problem) {
        super("config error at '" + key + "': " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
