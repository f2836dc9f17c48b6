package io.lvsha.agent.hook;

import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.event.EventLog;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a group's notify hooks after its role changes, one at a time and in the order of the
 * changes (keepalived's notify FIFO), each with a timeout after which it is killed with its
 * children. The HA loop only queues: a hook that hangs delays the next hook, never an advert.
 */
public final class NotifyHooks implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotifyHooks.class);
    /** Changes waiting beyond this are dropped (and reported): hooks that hang must not grow a queue without end. */
    static final int MAX_QUEUED = 64;
    /** Output kept for the log and the events; the rest is read and counted, so a chatty hook never blocks on its pipe. */
    static final int OUTPUT_HEAD_BYTES = 2048;
    private static final long DRAIN_WAIT_MILLIS = 1000;

    /** A role change, as the hooks see it. {@code role}: master, backup, fault or stop. */
    public record Change(String group, String role, String from, String reason, int priority, List<String> vips,
                         String node) {
    }

    private final EventLog events;
    private volatile List<AgentConfig.Notify> layers;
    private final ThreadPoolExecutor runner;
    private final ExecutorService drains;
    private final AtomicLong dropped = new AtomicLong();

    /**
     * Call from a thread at normal priority (not the HA loop): the runner's thread is started
     * here, and a thread, like the programs it starts, inherits its creator's real-time policy.
     *
     * @param layers the group's hooks, then the agent-wide ones
     */
    public NotifyHooks(List<AgentConfig.Notify> layers, EventLog events) {
        this.layers = List.copyOf(layers);
        this.events = events;
        this.runner = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(MAX_QUEUED),
                daemon("notify-hooks"), (task, executor) -> {
                    dropped.incrementAndGet();
                    events.emit("hook-failed", "notify queue full (" + MAX_QUEUED + " changes wait behind a slow hook):"
                            + " this change's hooks are not run", Map.of("reason", "queue-full"));
                });
        this.runner.prestartAllCoreThreads();
        // Its threads are made by the runner's, at normal priority too.
        this.drains = Executors.newCachedThreadPool(daemon("notify-hook-output"));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** A reloaded configuration's hooks, for the changes queued from now on. */
    public void replace(List<AgentConfig.Notify> newLayers) {
        this.layers = List.copyOf(newLayers);
    }

    /** Queues the hooks for {@code change}; never blocks. */
    public void changed(Change change) {
        List<AgentConfig.Notify> current = layers;
        List<Hook> hooks = new ArrayList<>();
        for (AgentConfig.Notify layer : current) {
            for (List<String> argv : layer.commandsFor(change.role())) {
                hooks.add(new Hook(argv, layer.timeoutNanos()));
            }
        }
        if (!hooks.isEmpty()) {
            runner.execute(() -> hooks.forEach(hook -> run(hook, change)));
        }
    }

    public long dropped() {
        return dropped.get();
    }

    private record Hook(List<String> argv, long timeoutNanos) {
    }

    private void run(Hook hook, Change change) {
        List<String> command = hook.argv().stream().map(word -> substitute(word, change)).toList();
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> environment = builder.environment();
        environment.put("LVSHA_GROUP", change.group());
        environment.put("LVSHA_ROLE", change.role());
        environment.put("LVSHA_FROM", change.from());
        environment.put("LVSHA_REASON", change.reason());
        environment.put("LVSHA_PRIORITY", Integer.toString(change.priority()));
        environment.put("LVSHA_VIPS", String.join(" ", change.vips()));
        environment.put("LVSHA_NODE", change.node());
        long started = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            report("hook-failed", command, change, "cannot be started: " + e.getMessage(), null, started);
            return;
        }
        OutputHead output = new OutputHead(process.getInputStream());
        drains.execute(output);
        try {
            if (!process.waitFor(hook.timeoutNanos(), TimeUnit.NANOSECONDS)) {
                killTree(process);
                process.waitFor(DRAIN_WAIT_MILLIS, TimeUnit.MILLISECONDS);
                output.await();
                report("hook-timeout", command, change, "killed with its children after "
                        + hook.timeoutNanos() / 1_000_000 + " ms", output, started);
                return;
            }
            output.await();
        } catch (InterruptedException e) {
            killTree(process);
            Thread.currentThread().interrupt();
            return;
        }
        int exit = process.exitValue();
        if (exit != 0) {
            report("hook-failed", command, change, "exit " + exit, output, started);
        } else {
            LOG.info("notify hook {} for {} {}: exit 0 in {} ms; output: {}", command, change.group(), change.role(),
                    (System.nanoTime() - started) / 1_000_000, output.summary());
        }
    }

    /** Kills the hook and every process it started that is still its descendant (a double fork escapes). */
    private static void killTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    private void report(String event, List<String> command, Change change, String what, OutputHead output, long started) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("group", change.group());
        fields.put("role", change.role());
        fields.put("command", command);
        fields.put("detail", what);
        fields.put("elapsed_ms", (System.nanoTime() - started) / 1_000_000);
        if (output != null) {
            fields.put("output", output.head());
            fields.put("output_bytes", output.total());
        }
        events.emit(event, command.get(0) + " for " + change.group() + " " + change.role() + ": " + what
                + (output == null ? "" : "; output: " + output.summary()), fields);
    }

    static String substitute(String word, Change change) {
        StringBuilder text = new StringBuilder(word.length());
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (c != '%' || i + 1 == word.length()) {
                text.append(c);
                continue;
            }
            char placeholder = word.charAt(++i);
            switch (placeholder) {
                case 'g' -> text.append(change.group());
                case 'r' -> text.append(change.role());
                case 'p' -> text.append(change.priority());
                case '%' -> text.append('%');
                default -> text.append('%').append(placeholder); // refused at load; kept as written if it ever came
            }
        }
        return text.toString();
    }

    /** Reads a hook's output to its end, keeping the head. */
    private static final class OutputHead implements Runnable {
        private final InputStream in;
        private final byte[] head = new byte[OUTPUT_HEAD_BYTES];
        private int kept;
        private long total;
        private final CountDownLatch done = new CountDownLatch(1);

        OutputHead(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try (in) {
                for (int read; (read = in.read(buffer)) >= 0; ) {
                    int keep = Math.min(read, head.length - kept);
                    System.arraycopy(buffer, 0, head, kept, keep);
                    synchronized (this) {
                        kept += keep;
                        total += read;
                    }
                }
            } catch (IOException e) {
                // The hook was killed, or a child that escaped holds the pipe: what was read is kept.
            } finally {
                done.countDown();
            }
        }

        /** Bounded: an escaped child may keep the pipe open for ever. */
        void await() throws InterruptedException {
            done.await(DRAIN_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        }

        synchronized String head() {
            return new String(head, 0, kept, StandardCharsets.UTF_8).strip();
        }

        synchronized long total() {
            return total;
        }

        String summary() {
            String text = head().replace('\n', '|');
            long bytes = total();
            return text.isEmpty() ? "none" : bytes > kept() ? text + " ... (" + bytes + " bytes in all)" : text;
        }

        private synchronized int kept() {
            return kept;
        }
    }

    /** Waits up to {@code budgetMillis} for the queued hooks (the stop hook at shutdown), then kills what runs. */
    public void close(long budgetMillis) {
        runner.shutdown();
        try {
            if (!runner.awaitTermination(budgetMillis, TimeUnit.MILLISECONDS)) {
                LOG.warn("notify hooks still running after {} ms at shutdown; stopping them", budgetMillis);
                runner.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drains.shutdownNow();
    }

    @Override
    public void close() {
        close(0);
    }

    /** The longest a queued hook may take: the shutdown's wait for the stop hook. */
    public long longestTimeoutMillis() {
        return layers.stream().mapToLong(AgentConfig.Notify::timeoutNanos).max().orElse(0) / 1_000_000;
    }
}
