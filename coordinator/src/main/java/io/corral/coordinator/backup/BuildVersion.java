package io.corral.coordinator.backup;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The coordinator's own version, recorded in backups: the version of the code that wrote the state. */
public final class BuildVersion {
    /** Written by the Maven jar plugin into the jar; absent when run from class folders (tests, an IDE). */
    private static final String POM_PROPERTIES = "/META-INF/maven/io.corral/corral-coordinator/pom.properties";

    private static final String VERSION = load();

    private BuildVersion() {}

    public static String version() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = BuildVersion.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in != null) {
                Properties props = new Properties();
                props.load(in);
                return props.getProperty("version", "dev");
            }
        } catch (IOException e) {
            // A version string is not worth failing a backup over.
        }
        return "dev";
    }
}
