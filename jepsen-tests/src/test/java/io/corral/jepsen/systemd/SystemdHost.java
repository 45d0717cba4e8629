package io.corral.jepsen.systemd;

import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import io.corral.jepsen.cluster.NodeImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.images.builder.Transferable;

/**
 * A container that boots the host's systemd as PID 1: a Debian host as far as {@code scripts/install.sh} and {@code
 * systemctl} can tell. No registry is reachable, so the image is built locally {@code FROM scratch}: mount points,
 * merged-/usr links and a private, writable {@code /etc} seeded with the host's user database; the host's {@code /usr}
 * (systemd, the JDK, coreutils, shadow's useradd) is bind-mounted read-only. The flags are those systemd needs in a
 * container: SYS_ADMIN, no seccomp filter, the host's cgroup namespace with {@code /sys/fs/cgroup} writable, tmpfs on
 * {@code /run}, and {@code container=docker}.
 */
final class SystemdHost implements AutoCloseable {
    static final String IMAGE = "corral-systemd-host:host-usr";

    /** Host directories mounted read-only at the same path, when present. */
    static final List<String> HOST_MOUNTS = List.of("/usr", "/etc/alternatives");

    /** Longest boot of a container's systemd. */
    static final Duration BOOT = Duration.ofMinutes(2);

    private final String name;
    private final GenericContainer<?> container;

    private SystemdHost(String name, GenericContainer<?> container) {
        this.name = name;
        this.container = container;
    }

    /** Starts {@code name} on {@code network} and waits until systemd has finished booting. */
    static SystemdHost start(String name, Network network, Map<String, String> readOnlyBinds) {
        ensureImage();
        GenericContainer<?> g = new GenericContainer<>(IMAGE)
                .withNetwork(network)
                .withNetworkAliases(name)
                .withEnv("container", "docker")
                // /usr/local is writable on a real host (install.sh links the CLI there); here it sits on the read-only
                // /usr.
                .withTmpFs(Map.of("/run", "rw,exec", "/run/lock", "rw", "/tmp", "rw,exec", "/usr/local", "rw"))
                .withFileSystemBind("/sys/fs/cgroup", "/sys/fs/cgroup", BindMode.READ_WRITE)
                .withCommand("/usr/lib/systemd/systemd")
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withHostName(name)
                            .withName("corral-systemd-" + name + "-"
                                    + network.getId().substring(0, 8));
                    cmd.getHostConfig()
                            .withCapAdd(Capability.SYS_ADMIN)
                            .withSecurityOpts(List.of("seccomp=unconfined"))
                            .withCgroupnsMode("host");
                    // systemd shuts down on SIGRTMIN+3.
                    cmd.withStopSignal("SIGRTMIN+3");
                });
        for (String m : HOST_MOUNTS) {
            if (Files.exists(Path.of(m))) {
                g = g.withFileSystemBind(m, m, BindMode.READ_ONLY);
            }
        }
        for (String m : NodeImage.javaConfigDirs()) {
            g = g.withFileSystemBind(m, m, BindMode.READ_ONLY);
        }
        for (Map.Entry<String, String> b : readOnlyBinds.entrySet()) {
            g = g.withFileSystemBind(b.getKey(), b.getValue(), BindMode.READ_ONLY);
        }
        g.start();
        SystemdHost host = new SystemdHost(name, g);
        try {
            host.awaitBooted();
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
        return host;
    }

    String name() {
        return name;
    }

    String ip() {
        return container.getContainerInfo().getNetworkSettings().getNetworks().values().stream()
                .findFirst()
                .orElseThrow()
                .getIpAddress();
    }

    /** Runs a command; returns its result whatever the exit code. */
    Container.ExecResult exec(String... argv) {
        try {
            return container.execInContainer(argv);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command that must succeed; returns its standard output. */
    String execOk(String... argv) {
        Container.ExecResult r = exec(argv);
        if (r.getExitCode() != 0) {
            throw new AssertionError(name + ": " + String.join(" ", argv) + " exited " + r.getExitCode() + "\nstdout: "
                    + r.getStdout() + "\nstderr: " + r.getStderr());
        }
        return r.getStdout();
    }

    /** {@code sh -c script}, which must succeed. */
    String sh(String script) {
        return execOk("/bin/sh", "-c", script);
    }

    /** Writes {@code content} to {@code path} in the container (mode 0644). */
    void copy(String content, String path) {
        container.copyFileToContainer(Transferable.of(content), path);
    }

    /** Copies a file out of the container to {@code hostPath}. */
    void copyOut(String path, Path hostPath) {
        container.copyFileFromContainer(path, hostPath.toString());
    }

    /** Copies a host file into the container. */
    void copyIn(Path hostPath, String path) {
        container.copyFileToContainer(org.testcontainers.utility.MountableFile.forHostPath(hostPath), path);
    }

    /** A property of a unit, as {@code systemctl show -p NAME --value} prints it. */
    String unitProperty(String unit, String property) {
        return execOk("systemctl", "show", "-p", property, "--value", unit).trim();
    }

    String journal(String unit) {
        return exec("journalctl", "--no-pager", "-o", "short-precise", "-u", unit)
                .getStdout();
    }

    /** Waits for systemd's own socket, then for the end of the boot ("running", or "degraded": a unit failed). */
    private void awaitBooted() {
        long deadline = System.nanoTime() + BOOT.toNanos();
        while (true) {
            Container.ExecResult r = exec("systemctl", "is-system-running", "--wait");
            String state = r.getStdout().trim();
            if (state.equals("running") || state.equals("degraded")) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        name + ": systemd did not finish booting: " + state + " " + r.getStderr());
            }
            // Before systemd has opened its socket, systemctl cannot connect: try again shortly.
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void close() {
        container.stop();
    }

    // ---- the image ----

    static synchronized void ensureImage() {
        try {
            DockerClientFactory.instance().client().inspectImageCmd(IMAGE).exec();
            return;
        } catch (NotFoundException e) {
            // built below
        }
        // Imported from a tar stream rather than built from a Dockerfile context, which would turn the merged-/usr
        // links into empty files.
        Path root = rootFilesystem();
        try {
            Path tarball = Files.createTempFile("corral-systemd-rootfs", ".tar");
            try {
                run(List.of("tar", "-C", root.toString(), "--numeric-owner", "-cf", tarball.toString(), "."));
                run(List.of("docker", "import", tarball.toString(), IMAGE));
            } finally {
                Files.deleteIfExists(tarball);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            NodeImage.deleteTree(root);
        }
    }

    private static void run(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
        }
    }

    /** The host's user database and the few files systemd, useradd and the JVM read under /etc. */
    static final List<String> ETC_FILES_FROM_HOST =
            List.of("passwd", "group", "shadow", "gshadow", "login.defs", "nsswitch.conf", "ld.so.cache", "ld.so.conf");

    private static Path rootFilesystem() {
        try {
            Path root = Files.createTempDirectory("corral-systemd-rootfs");
            // A temporary directory is private (0700); as the image's / it would lock every other user out.
            Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            for (String d : List.of(
                    "usr",
                    "tmp",
                    "proc",
                    "sys",
                    "dev",
                    "run",
                    "root",
                    "home",
                    "opt",
                    "srv",
                    "mnt",
                    "var/lib",
                    "var/log/journal",
                    "var/tmp",
                    "var/cache",
                    "etc/alternatives",
                    "etc/systemd/system",
                    "etc/ld.so.conf.d",
                    "dist",
                    "images")) {
                Files.createDirectories(root.resolve(d));
            }
            // Debian 12 merges / into /usr: /bin, /sbin, /lib and /lib64 are links into it.
            for (String link : List.of("bin", "sbin", "lib", "lib64")) {
                Path host = Path.of("/" + link);
                if (Files.isSymbolicLink(host)) {
                    Files.createSymbolicLink(root.resolve(link), Files.readSymbolicLink(host));
                } else if (Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IllegalStateException("/" + link + " is not a link into /usr on this host: the systemd "
                            + "test needs a merged-/usr host (Debian 12 or newer)");
                }
            }
            for (String f : ETC_FILES_FROM_HOST) {
                Path host = Path.of("/etc", f);
                if (Files.isReadable(host)) {
                    Files.copy(host, root.resolve("etc").resolve(f));
                }
            }
            Files.writeString(root.resolve("etc/machine-id"), "");
            Files.writeString(root.resolve("etc/hosts"), "");
            Files.writeString(root.resolve("etc/resolv.conf"), "");
            Files.writeString(root.resolve("etc/hostname"), "");
            Files.createSymbolicLink(root.resolve("etc/os-release"), Path.of("../usr/lib/os-release"));
            Files.createSymbolicLink(root.resolve("etc/mtab"), Path.of("../proc/self/mounts"));
            Path units = root.resolve("etc/systemd/system");
            Files.createSymbolicLink(
                    units.resolve("default.target"), Path.of("/usr/lib/systemd/system/multi-user.target"));
            // Nothing to do in a container, and each would wait for devices or terminals that are not there.
            for (String masked : List.of(
                    "getty.target",
                    "console-getty.service",
                    "systemd-udevd.service",
                    "systemd-udev-trigger.service",
                    "systemd-logind.service",
                    "systemd-networkd-wait-online.service",
                    "systemd-timesyncd.service",
                    "systemd-firstboot.service",
                    // systemctl talks to systemd over its private socket as root; a bus is not needed.
                    "dbus.service",
                    "dbus.socket")) {
                Files.createSymbolicLink(units.resolve(masked), Path.of("/dev/null"));
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
