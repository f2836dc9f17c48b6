package io.lvsha.agent.lab;

import io.lvsha.agent.director.BackendException;
import io.lvsha.agent.director.CommandRunner;
import io.lvsha.netns.RequiresNetns;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A User-Mode Linux guest with a real IPVS (../shared/reference/uml-ipvs/), booted on a tap in a
 * namespace's bridge, driven line by line through its console (the process's stdin and stdout).
 * Its root is the host's / read-only, so every host program runs inside it; files the test
 * writes on the host are visible to the guest. {@link #close()} powers it off and ends every
 * process it left (a killed UML leaves helpers holding its memory).
 */
public final class Uml implements AutoCloseable, CommandRunner {
    private static final Path INIT = Path.of(System.getProperty("user.dir")).resolve("../deploy/uml/init.sh").normalize();
    private static final Pattern END = Pattern.compile("@@END@@(\\d+) (\\d+)");
    private static final String BEGIN = "@@BEGIN@@";

    private final Process process;
    private final OutputStream console;
    private final Path log;
    private final Path dir;
    private final AtomicInteger commands = new AtomicInteger();

    private Uml(Process process, Path log, Path dir) {
        this.process = process;
        this.console = process.getOutputStream();
        this.log = log;
        this.dir = dir;
    }

    private static volatile String hostRefusal;
    private static volatile boolean hostProbed;

    /**
     * Disables a UML test class, saying why on the console, where this host's CPU and kernel
     * cannot run Debian's UML at all: the guest's init dies at its first instruction ("ptrace set fp
     * regs failed, errno = 14": the host refuses the FPU state UML 6.1 hands it; seen on one shared
     * VM, while an AMD EPYC host with AVX-512 runs it). Nothing deploy/ can install changes that. Any other
     * boot failure still fails the test; without root or linux.uml, {@code @NetnsTest} and
     * {@link RequiresPrograms} decide.
     */
    public static final class HostCanRunUml implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (context.getTestMethod().isPresent()) {
                return ConditionEvaluationResult.enabled("judged for the class");
            }
            String refusal = RequiresNetns.available() && HostPrograms.installed("linux.uml") ? probeHost() : null;
            if (refusal == null) {
                return ConditionEvaluationResult.enabled("this host runs UML");
            }
            System.out.println("SKIPPED " + context.getDisplayName() + ": " + refusal);
            return ConditionEvaluationResult.disabled(refusal);
        }
    }

    private static synchronized String probeHost() {
        if (!hostProbed) {
            try {
                Process probe = new ProcessBuilder("timeout", "60", "linux.uml", "mem=64M", "rootfstype=hostfs", "rootflags=/",
                        "ro", "init=/bin/true", "con0=fd:0,fd:1", "con=null").redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                String console = new String(probe.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                probe.waitFor();
                hostRefusal = console.contains("ptrace set fp regs failed")
                        ? "this host's CPU and kernel cannot run Debian's user-mode-linux 6.1 (its guest dies at the first"
                        + " instruction: \"ptrace set fp regs failed, errno = 14\": the host refuses the FPU state UML 6.1"
                        + " hands it); run the UML tests on another host"
                        : null;
            } catch (IOException e) {
                hostRefusal = null; // the test's own boot reports what is wrong
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            hostProbed = true;
        }
        return hostRefusal;
    }

    /**
     * Boots a guest whose first device is the tap {@code tap} in {@code namespace}, with these
     * addresses ("10.97.0.2/24,10.97.0.10/24"), pinned to {@code cpu}.
     */
    public static Uml boot(String namespace, String tap, String addresses, Path dir, int cpu) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String kernel;
        try (var versions = Files.list(Path.of("/usr/lib/uml/modules"))) {
            kernel = versions.findFirst().orElseThrow().getFileName().toString();
        }
        Path modules = Files.createDirectories(dir.resolve("modroot/lib/modules"));
        Files.deleteIfExists(modules.resolve(kernel));
        Files.createSymbolicLink(modules.resolve(kernel), Path.of("/usr/lib/uml/modules", kernel));
        Path log = dir.resolve("console.log");
        Path runDir = Files.createDirectories(dir.resolve("run"));
        ProcessBuilder builder = new ProcessBuilder("ip", "netns", "exec", namespace, "taskset", "-c", Integer.toString(cpu),
                "linux.uml", "mem=256M", "uml_dir=" + runDir, "umid=director", "rootfstype=hostfs", "rootflags=/", "ro",
                "init=" + INIT, "UML_ADDRS=" + addresses, "UML_MODROOT=" + dir.resolve("modroot"),
                "vec0:transport=tap,ifname=" + tap, "con0=fd:0,fd:1", "con=null",
                // the console carries the commands' output: a kernel message printed there mid-reply
                // ("sched: RT throttling activated" broke a JSON reply in CI) would corrupt it;
                // the guest's kernel log stays in its dmesg
                "loglevel=1")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("TMPDIR", "/dev/shm"); // guest RAM is a file there
        Uml uml = new Uml(builder.start(), log, dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log, StandardCharsets.ISO_8859_1).contains("UML-READY")) {
            if (!uml.process.isAlive() || System.nanoTime() > deadline) {
                String console = Files.readString(log, StandardCharsets.ISO_8859_1);
                uml.close();
                throw new IOException("UML did not boot: " + console.substring(Math.max(0, console.length() - 2000)));
            }
            Thread.sleep(50);
        }
        String console = Files.readString(log, StandardCharsets.ISO_8859_1);
        if (console.contains("UML-MODPROBE-FAILED")) {
            uml.close();
            throw new IOException("UML could not load its modules: " + console.substring(Math.max(0, console.length() - 2000)));
        }
        return uml;
    }

    /** Runs a shell line in the guest; returns its exit status and output. */
    public Result shell(String line) throws IOException, InterruptedException {
        int id = commands.incrementAndGet();
        long from = Files.size(log);
        synchronized (console) {
            // The console echoes what it is sent; the quotes keep the echoed markers from matching.
            console.write(("echo \"@@\"BEGIN\"@@" + id + "\"\n" + line + "\necho \"@@\"END\"@@" + id + " $?\"\n")
                    .getBytes(StandardCharsets.UTF_8));
            console.flush();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log, StandardCharsets.ISO_8859_1);
            String since = text.substring((int) Math.min(from, text.length()));
            Matcher end = END.matcher(since);
            while (end.find()) {
                if (end.group(1).equals(Integer.toString(id))) {
                    String marker = BEGIN + id + "\n";
                    String output = since.substring(0, end.start()).replace("\r", "");
                    output = output.substring(output.indexOf(marker) + marker.length());
                    // drop the echo of the command and of the end marker, and the shell's prompts
                    output = output.replaceAll("(?m)^.*@@\"(BEGIN|END)\"@@.*\n?", "").replace(line + "\n", "")
                            .replaceAll("(?m)^# ", "");
                    return new Result(Integer.parseInt(end.group(2)), output);
                }
            }
            Thread.sleep(20);
        }
        throw new IOException("no answer from UML to: " + line);
    }

    /** The backends' runner: the command runs in the guest, its input through a file on the host. */
    @Override
    public Result run(List<String> command, String input) throws BackendException {
        try {
            StringBuilder line = new StringBuilder();
            for (String word : command) {
                line.append('\'').append(word.replace("'", "'\\''")).append("' ");
            }
            if (input != null) {
                Path file = dir.resolve("input-" + commands.get());
                Files.writeString(file, input);
                file.toFile().setReadable(true, false);
                line.append("< ").append(file);
            }
            return shell(line + " 2>&1");
        } catch (IOException e) {
            throw new BackendException(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted");
        }
    }

    /** A file of the guest's, through its console: the backend under test reads the guest's kernel, not the host's. */
    @Override
    public String read(String path) throws IOException {
        try {
            Result result = run(List.of("cat", path), null);
            if (!result.ok()) {
                throw new IOException(result.output().strip());
            }
            return result.output();
        } catch (BackendException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** The machine dies: SIGKILL to the guest and the helpers that hold its memory and its tap. */
    public void kill() {
        List<ProcessHandle> helpers = process.descendants().toList();
        process.destroyForcibly();
        helpers.forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                console.write("echo o > /proc/sysrq-trigger\n".getBytes(StandardCharsets.UTF_8));
                console.flush();
            }
        } catch (IOException e) {
            // the guest is gone already
        }
        List<ProcessHandle> helpers = process.descendants().toList();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        helpers.forEach(ProcessHandle::destroyForcibly);
    }
}
