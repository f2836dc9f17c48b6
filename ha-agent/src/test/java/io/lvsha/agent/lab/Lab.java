package io.lvsha.agent.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.config.ConfigException;
import io.lvsha.agent.config.ConfigLoader;
import io.lvsha.netns.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The namespace lab of deploy/lab/lab.sh for one test: uniquely prefixed, with agents started as
 * child JVMs inside the director namespaces. {@link #close()} kills everything and removes the
 * namespaces; so does a shutdown hook if the test JVM dies first. Configs, sockets, logs and event
 * files are in the test's {@link LabFiles} directory, kept only when the test failed.
 */
public final class Lab implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path LAB_SCRIPT = Path.of(System.getProperty("user.dir")).resolve("../deploy/lab/lab.sh").normalize();

    private final String prefix;
    private final Path dir;
    private final boolean ownsDir;
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Thread cleanup;

    private Lab(String prefix, Path dir, boolean ownsDir) {
        this.prefix = prefix;
        this.dir = dir;
        this.ownsDir = ownsDir;
        this.cleanup = new Thread(this::teardown, "lab-cleanup-" + prefix);
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** A lab whose files live in a test's {@link LabFiles} directory (kept if the test fails). */
    public static Lab up(Path dir) throws IOException {
        return up(dir, false);
    }

    /** A lab with a directory of its own, removed with the lab (for the benchmarks). */
    public static Lab up() throws IOException {
        return up(LabFiles.newDirectory("bench" + ProcessHandle.current().pid() + "n" + (COUNTER.get() + 1)), true);
    }

    private static Lab up(Path dir, boolean ownsDir) throws IOException {
        String prefix = "lvsha" + ProcessHandle.current().pid() + "n" + COUNTER.incrementAndGet() + "-";
        Lab lab = new Lab(prefix, dir, ownsDir);
        try {
            Netns.run(LAB_SCRIPT.toString(), "up", prefix);
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    public String namespace(String node) {
        return prefix + node;
    }

    public Path dir() {
        return dir;
    }

    /** Runs a command in a lab namespace and returns its stdout. */
    public String exec(String node, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace(node)));
        full.addAll(List.of(command));
        return Netns.run(full);
    }

    /** The lab's standard two-channel config for d1 or d2. */
    public Path standardConfig(String node, int priority, String interval) throws IOException {
        return config(node, priority, interval, false);
    }

    /** The standard config, with the agents' peer link (d1 listens, d2 connects). */
    public Path peerLinkedConfig(String node, int priority, String interval) throws IOException {
        return config(node, priority, interval, true);
    }

    private Path config(String node, int priority, String interval, boolean peerLink) throws IOException {
        List<String> command = new ArrayList<>(List.of(LAB_SCRIPT.toString(), "config", prefix, node,
                String.valueOf(priority), interval, eventFile(node).toString()));
        if (peerLink) {
            command.add("peer");
        }
        return writeConfig(node, Netns.run(command));
    }

    /**
     * One entry of a {@code groups:} list, heard on both lab channels; {@code vips} are
     * {@code address/prefix@interface}.
     */
    public static String groupYaml(String name, int vrid, int priority, String interval, String... vips) {
        StringBuilder yaml = new StringBuilder().append("  - name: ").append(name).append("\n    vrid: ").append(vrid)
                .append("\n    priority: ").append(priority).append("\n    advert-interval: ").append(interval)
                .append("\n    channels: [{name: public, interface: pub0}, {name: private, interface: priv0}]\n    vips:");
        for (String vip : vips) {
            String[] parts = vip.split("@");
            yaml.append("\n      - {address: ").append(parts[0]).append(", interface: ").append(parts[1]).append('}');
        }
        return yaml.append('\n').toString();
    }

    /** The agents' peer-link settings for {@code node} (d1 listens, d2 connects), with the lab's key. */
    public String peerLinkYaml(String node) throws IOException {
        Path key = dir.resolve("peer.key");
        if (!Files.exists(key)) {
            Files.writeString(key, "lvs-ha lab peer-link key, not secret");
            Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        return "peer-link: {" + (node.equals("d1") ? "listen" : "connect") + ": \"192.168.50.11:7311\", key-file: " + key + "}\n";
    }

    public Path writeConfig(String node, String yaml) throws IOException {
        Path file = dir.resolve(node + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    public Path eventFile(String node) {
        return dir.resolve(node + ".events.jsonl");
    }

    /**
     * Starts ha-agent in {@code node}'s namespace with this test JVM's classpath. Its config must
     * keep the admin socket and the event file in this lab's directory: a test never touches the
     * host's /run/ha-agent (a director's real agent may be using it).
     */
    public Process startAgent(String node, Path config) throws IOException {
        return startAgent(node, config, List.of());
    }

    /** More JVM options for every agent, from LAB_AGENT_JAVA_OPTS: a benchmark's diagnosis, such as -Xlog:safepoint. */
    private static List<String> jvmOptionsFromEnvironment() {
        String options = System.getenv().getOrDefault("LAB_AGENT_JAVA_OPTS", "").trim();
        return options.isEmpty() ? List.of() : List.of(options.split("\\s+"));
    }

    /** {@link #startAgent(String, Path)} with more JVM options (a benchmark's tracking or logging). */
    public Process startAgent(String node, Path config, List<String> jvmOptions) throws IOException {
        try {
            AgentConfig loaded = ConfigLoader.load(config);
            for (Path path : List.of(loaded.admin().socket(), loaded.eventFile())) {
                if (!path.toAbsolutePath().normalize().startsWith(dir)) {
                    throw new AssertionError(config + " puts " + path + " outside the lab's directory " + dir
                            + ": set admin.socket and events.file there");
                }
            }
        } catch (ConfigException e) {
            throw new AssertionError(config + " is refused: " + e.getMessage());
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace(node), java, "-Xms96m", "-Xmx96m",
                "-XX:+AlwaysPreTouch", "-XX:+UseShenandoahGC"));
        command.addAll(jvmOptions);
        command.addAll(jvmOptionsFromEnvironment());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.lvsha.agent.Main", "--config",
                config.toString()));
        return start(node, command);
    }

    /** Starts any program in a namespace, its output kept in NAME.out / NAME.err. */
    public Process start(String name, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command)
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectError(dir.resolve(name + ".err").toFile())
                .start();
        processes.put(name, process);
        return process;
    }

    /**
     * Serves {@code files} over HTTP (port 8080) and TFTP (port 69) on real server rs1 or rs2,
     * started as NAME-http and NAME-tftp; {@code files} is made readable for tftpd's user.
     */
    public void startRealServer(String node, Path files) throws IOException {
        startHttp(node, files);
        String address = realServerAddress(node);
        Files.walk(files).forEach(path -> path.toFile().setReadable(true, false));
        files.toFile().setExecutable(true, false);
        start(node + "-tftp", List.of("ip", "netns", "exec", namespace(node), "in.tftpd", "-L", "-s", files.toString(),
                "-a", address + ":69"));
    }

    /** (Re)starts only the HTTP server of a real server started with {@link #startRealServer}. */
    public void startHttp(String node, Path files) throws IOException {
        start(node + "-http", List.of("ip", "netns", "exec", namespace(node), "python3", "-m", "http.server", "8080",
                "--bind", realServerAddress(node), "--directory", files.toString()));
    }

    public static String realServerAddress(String node) {
        return switch (node) {
            case "rs1" -> "192.168.50.21";
            case "rs2" -> "192.168.50.22";
            default -> throw new IllegalArgumentException(node + " is not a real server of the lab");
        };
    }

    /** Sends a signal ("KILL", "TERM") to the process started as {@code name} and its children. */
    public void signal(String name, String signal) {
        Process process = processes.get(name);
        process.descendants().forEach(child -> signal(child, signal));
        signal(process.toHandle(), signal);
    }

    /**
     * SIGKILL to the process started as {@code name} and everything it started, from this JVM (no
     * {@code kill} process per target: with many clients running, those cost hundreds of ms, in
     * which a "dead" agent would still work).
     */
    public void killNow(String name) {
        Process process = processes.get(name);
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * SIGTERM to the process started as {@code name} alone, from this JVM at once: the way systemd
     * stops a service's main process, timed by the caller to the microsecond.
     */
    public void terminateNow(String name) {
        processes.get(name).toHandle().destroy();
    }

    /** A process that ended between being listed and being signalled is fine: it is what was wanted. */
    private static void signal(ProcessHandle process, String signal) {
        try {
            Netns.run("kill", "-" + signal, String.valueOf(process.pid()));
        } catch (IllegalStateException e) {
            if (process.isAlive()) {
                throw e;
            }
        }
    }

    /** Waits for the process started as {@code name} to end. */
    public boolean awaitExit(String name, Duration timeout) throws InterruptedException {
        return processes.get(name).waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until {@code node}'s admin socket answers `hello`; returns its path. */
    public Path awaitAdminSocket(String node, Duration timeout) throws InterruptedException {
        Path socket = dir.resolve(node + ".sock");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (AdminClient.call(socket, "{\"cmd\":\"hello\"}").path("ok").asBoolean()) {
                    return socket;
                }
            } catch (IOException notYet) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError(node + ": admin socket " + socket + " not answering: " + notYet);
                }
            }
            Thread.sleep(50);
        }
    }

    /** Starts d1 (to be master) and d2 (backup) and waits until each is in its role and their peer link is up. */
    public void startLinkedPair(Path d1Config, Path d2Config) throws Exception {
        Duration soon = Duration.ofSeconds(15);
        startAgent("d1", d1Config);
        awaitRole("d1", "MASTER", soon);
        startAgent("d2", d2Config);
        awaitRole("d2", "BACKUP", soon);
        for (String node : List.of("d1", "d2")) {
            awaitEvent(node, "peer link up", e -> e.path("event").asText().equals("peer-link-up"), soon);
        }
    }

    /** One heartbeat channel's part of {@code node}'s status (its drops, its known speakers). */
    public JsonNode channelStatus(String node, String channel) throws Exception {
        JsonNode status = AdminClient.call(awaitAdminSocket(node, Duration.ofSeconds(15)), "{\"cmd\":\"status\"}");
        for (JsonNode entry : status.path("channels")) {
            if (entry.path("name").asText().equals(channel)) {
                return entry;
            }
        }
        throw new AssertionError("no channel " + channel + " in " + status);
    }

    public List<JsonNode> events(String node) throws IOException {
        Path file = eventFile(node);
        List<JsonNode> events = new ArrayList<>();
        if (!Files.exists(file)) {
            return events;
        }
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                events.add(JSON.readTree(line));
            }
        }
        return events;
    }

    /** Waits for an event of {@code node} that matches; fails with the node's events and stderr if none comes. */
    public JsonNode awaitEvent(String node, String description, Predicate<JsonNode> match, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            for (JsonNode event : events(node)) {
                if (match.test(event)) {
                    return event;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError(node + ": no " + description + " within " + timeout + "; events: " + events(node)
                + "; stderr: " + tail(dir.resolve(node + ".err")) + diagnosis());
    }

    /**
     * What went wrong with the lab's programs, for a failure message: each one that has ended,
     * with its exit status and the tail of its stderr ("exec of in.tftpd failed"); empty if all run.
     */
    public String diagnosis() {
        StringBuilder ended = new StringBuilder();
        processes.forEach((name, process) -> {
            if (!process.isAlive()) {
                ended.append("\n  ").append(name).append(" ended with status ").append(process.exitValue())
                        .append("; its stderr: ").append(tail(dir.resolve(name + ".err")));
            }
        });
        return ended.length() == 0 ? "" : "\nlab programs that ended:" + ended;
    }

    private static String tail(Path file) {
        String text = readOrEmpty(file).strip();
        return text.isEmpty() ? "(empty)" : text.substring(Math.max(0, text.length() - 1500));
    }

    /** Waits until {@code node} has changed role to {@code role} (its latest role change). */
    public JsonNode awaitRole(String node, String role, Duration timeout) throws IOException, InterruptedException {
        return awaitRole(node, role, timeout, 0);
    }

    /** As {@link #awaitRole(String, String, Duration)}, counting only role changes after the first {@code skip}. */
    public JsonNode awaitRole(String node, String role, Duration timeout, int skip)
            throws IOException, InterruptedException {
        return awaitEvent(node, "role change to " + role,
                event -> event.path("event").asText().equals("role-change") && event.path("to").asText().equals(role)
                        && isLatestRoleChange(node, event) && roleChangeCount(node) > skip, timeout);
    }

    private boolean isLatestRoleChange(String node, JsonNode candidate) {
        try {
            JsonNode latest = null;
            for (JsonNode event : events(node)) {
                if (event.path("event").asText().equals("role-change")) {
                    latest = event;
                }
            }
            return candidate.equals(latest);
        } catch (IOException e) {
            return false;
        }
    }

    private int roleChangeCount(String node) {
        try {
            return roleChanges(node).size();
        } catch (IOException e) {
            return -1;
        }
    }

    public List<JsonNode> roleChanges(String node) throws IOException {
        return events(node).stream().filter(e -> e.path("event").asText().equals("role-change")).toList();
    }

    public boolean hasAddress(String node, String iface, String address) {
        return exec(node, "ip", "-o", "addr", "show", "dev", iface).contains(" " + address + "/");
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private void teardown() {
        processes.values().forEach(process -> {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        });
        Netns.run(LAB_SCRIPT.toString(), "down", prefix);
        if (ownsDir) {
            try {
                LabFiles.delete(dir);
            } catch (IOException e) {
                System.out.println("could not remove " + dir + ": " + e);
            }
        }
    }

    @Override
    public void close() {
        teardown();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook runs or ran; nothing left to do.
        }
    }
}
