package io.lvsha.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.Callable;
import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * A network namespace made for one test and removed by {@link #close()}: its processes are
 * killed, then the namespace deleted. A JVM shutdown hook removes any a crashed test left behind.
 * Names are unique per JVM and process ("lvsha-&lt;role&gt;-&lt;pid&gt;-&lt;n&gt;").
 */
public final class Netns implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Set<String> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Netns::remove), "netns-cleanup"));
    }

    private final String name;

    private Netns(String name) {
        this.name = name;
    }

    /** Creates a namespace with its loopback up. */
    public static Netns create(String role) {
        String name = "lvsha-" + role + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        run("ip", "netns", "add", name);
        LIVE.add(name);
        Netns netns = new Netns(name);
        netns.exec("ip", "link", "set", "lo", "up");
        return netns;
    }

    public String name() {
        return name;
    }

    /** Runs a command inside the namespace and returns its stdout; fails with stderr if it exits non-zero. */
    public String exec(String... command) {
        return run(inside(command));
    }

    /** Runs a shell command line inside the namespace. */
    public String sh(String commandLine) {
        return exec("sh", "-c", commandLine);
    }

    /** The command prefixed with {@code ip netns exec NAME}, for processes a test starts itself. */
    public List<String> inside(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(Arrays.asList(command));
        return full;
    }

    /**
     * Joins two namespaces with a veth pair, each end named as given inside its namespace and up.
     * Creating both ends directly in their namespaces keeps the root namespace free of our names.
     */
    public static void link(Netns a, String nameInA, Netns b, String nameInB) {
        run("ip", "link", "add", nameInA, "netns", a.name, "type", "veth", "peer", "name", nameInB, "netns", b.name);
        a.exec("ip", "link", "set", nameInA, "up");
        b.exec("ip", "link", "set", nameInB, "up");
    }

    /** The libc calls that move a thread between network namespaces. */
    private interface NsLibC extends Library {
        NsLibC INSTANCE = Native.load("c", NsLibC.class);
        int CLONE_NEWNET = 0x40000000;

        int open(String path, int flags) throws LastErrorException;

        int setns(int fd, int nstype) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    /**
     * Runs {@code work} on this thread inside the namespace, then moves the thread back. Sockets
     * created in {@code work} (netlink, pcap, UDP) stay in the namespace after it returns.
     */
    public <T> T within(Callable<T> work) throws Exception {
        return within(name, work);
    }

    /** As {@link #within(Callable)}, for a namespace made elsewhere (by deploy/lab/lab.sh). */
    public static <T> T within(String namespace, Callable<T> work) throws Exception {
        int home = NsLibC.INSTANCE.open("/proc/thread-self/ns/net", 0);
        int target = NsLibC.INSTANCE.open("/run/netns/" + namespace, 0);
        try {
            NsLibC.INSTANCE.setns(target, NsLibC.CLONE_NEWNET);
            try {
                return work.call();
            } finally {
                NsLibC.INSTANCE.setns(home, NsLibC.CLONE_NEWNET);
            }
        } finally {
            NsLibC.INSTANCE.close(target);
            NsLibC.INSTANCE.close(home);
        }
    }

    @Override
    public void close() {
        if (LIVE.remove(name)) {
            remove(name);
        }
    }

    private static void remove(String name) {
        try {
            String pids = run("ip", "netns", "pids", name).trim();
            for (String pid : pids.split("\\s+")) {
                if (!pid.isEmpty()) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        } catch (RuntimeException ignored) {
            // The namespace may already be gone; deleting it below reports what matters.
        }
        run("ip", "netns", "del", name);
    }

    /** Runs a command to completion (30 s at most) and returns stdout. */
    public static String run(String... command) {
        return run(List.of(command));
    }

    public static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
            process.getOutputStream().close();
            byte[] out = process.getInputStream().readAllBytes();
            byte[] err = process.getErrorStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + ": timed out");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + ": exit " + process.exitValue() + ": "
                        + new String(err, StandardCharsets.UTF_8).trim());
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(String.join(" ", command) + ": interrupted", e);
        }
    }
}
