package io.corral.jepsen.cluster;

import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The image the nodes run in. No registry is reachable where the harness runs in CI, so the default, {@link #HOST_JDK},
 * is built locally {@code FROM scratch} out of a few empty directories: the containers bind-mount the host's {@code
 * /usr}, {@code /lib}, {@code /lib64}, {@code /bin}, {@code /sbin} and {@code /etc/alternatives} read-only and so run
 * the host's JDK, iptables and procps. Any other image name is used as it is (pulled if need be): it must have {@code
 * java} (17 or newer), {@code iptables}, {@code pkill}/{@code pgrep} and {@code sh}; {@code tc} is optional.
 */
public final class NodeImage {
    /** The locally built image that runs the host's JDK. */
    public static final String HOST_JDK = "corral-jepsen-node:host-jdk";

    /** What the host-JDK image mounts from the host, read-only, at the same paths (those that exist). */
    static final List<String> BASE_MOUNTS = List.of("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc/alternatives");

    /**
     * {@link #BASE_MOUNTS} plus the JDKs' configuration under {@code /etc} ({@code /etc/java-17-openjdk} on Debian:
     * the JDK's {@code conf/security/java.security} is a link into it, and a JVM without it does not start).
     */
    static List<String> hostMounts() {
        List<String> out = new java.util.ArrayList<>();
        for (String m : BASE_MOUNTS) {
            if (Files.exists(Path.of(m))) {
                out.add(m);
            }
        }
        out.addAll(javaConfigDirs());
        return out;
    }

    /** The JDKs' configuration directories under {@code /etc} ({@code /etc/java-17-openjdk} on Debian). */
    public static List<String> javaConfigDirs() {
        List<String> out = new java.util.ArrayList<>();
        try (var etc = Files.list(Path.of("/etc"))) {
            etc.filter(p -> p.getFileName().toString().startsWith("java") && Files.isDirectory(p))
                    .sorted()
                    .forEach(p -> out.add(p.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private NodeImage() {}

    public static boolean isHostJdk(String image) {
        return HOST_JDK.equals(image);
    }

    /** Makes sure {@code image} can be run; builds {@link #HOST_JDK} when it is missing. Returns the image name. */
    public static synchronized String ensure(String image) {
        if (!isHostJdk(image) || exists(image)) {
            return image;
        }
        Path context = rootFilesystem();
        try {
            new ImageFromDockerfile(HOST_JDK, false)
                    .withFileFromPath("rootfs", context)
                    .withDockerfileFromBuilder(
                            b -> b.from("scratch").copy("rootfs/", "/").build())
                    .get();
        } finally {
            deleteTree(context);
        }
        return image;
    }

    private static boolean exists(String image) {
        try {
            DockerClientFactory.instance().client().inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /** Mount points and the few files a JVM and the shell tools look for under /etc. */
    private static Path rootFilesystem() {
        try {
            Path root = Files.createTempDirectory("corral-node-rootfs");
            for (String d : List.of(
                    "tmp",
                    "proc",
                    "sys",
                    "dev",
                    "run",
                    "root",
                    "etc",
                    "var/lib/corral",
                    "var/log/corral",
                    "opt/corral")) {
                Files.createDirectories(root.resolve(d));
            }
            for (String m : hostMounts()) {
                Files.createDirectories(root.resolve(m.substring(1)));
            }
            Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
            Files.writeString(root.resolve("etc/group"), "root:x:0:\n");
            Files.writeString(root.resolve("etc/nsswitch.conf"), "passwd: files\ngroup: files\nhosts: files dns\n");
            // Placeholders so that the daemon's bind mounts of hosts and resolv.conf have a target.
            Files.writeString(root.resolve("etc/hosts"), "");
            Files.writeString(root.resolve("etc/resolv.conf"), "");
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a temporary tree (links are deleted, not followed); what cannot be deleted is left behind. */
    public static void deleteTree(Path root) {
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temp directory left behind is harmless.
        }
    }
}
