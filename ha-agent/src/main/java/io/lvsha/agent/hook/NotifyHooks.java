package io.lvsha.agent.hook;

import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.event.EventLog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
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
public final class NotifyHooks {
    private static final Logger LOG = LoggerFactory.getLogger(NotifyHooks.class);
    /** Changes waiting beyond this are dropped (and reported): hooks that hang must not grow a queue without end. */
    static final int MAX_QUEUED = 64;

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
                DaemonThreads.named("notify-hooks"), (task, executor) -> {
                    dropped.incrementAndGet();
                    events.emit("hook-failed", "notify queue full (" + MAX_QUEUED + " changes wait behind a slow hook):"
                            + " this change's hooks are not run", Map.of("reason", "queue-full"));
                });
        this.runner.prestartAllCoreThreads();
        // Its threads are made by the runner's, at normal priority too.
        this.drains = Executors.newCachedThreadPool(DaemonThreads.named("notify-hook-output"));
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

    /** Changes whose hooks were dropped because the queue was full; for the metrics. */
    public long dropped() {
        return dropped.get();
    }

    private record Hook(List<String> argv, long timeoutNanos) {
    }

    private void run(Hook hook, Change change) {
        List<String> command = hook.argv().stream().map(word -> substitute(word, change)).toList();
        Map<String, String> environment = Map.of("LVSHA_GROUP", change.group(), "LVSHA_ROLE", change.role(),
                "LVSHA_FROM", change.from(), "LVSHA_REASON", change.reason(),
                "LVSHA_PRIORITY", Integer.toString(change.priority()), "LVSHA_VIPS", String.join(" ", change.vips()),
                "LVSHA_NODE", change.node());
        ProgramRun run;
        try {
            run = ProgramRun.run(command, environment, hook.timeoutNanos(), drains);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (run.succeeded()) {
            LOG.info("notify hook {} for {} {}: exit 0 in {} ms; output: {}", command, change.group(), change.role(),
                    run.elapsedNanos() / 1_000_000, run.outputSummary());
            return;
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("group", change.group());
        fields.put("role", change.role());
        fields.put("command", command);
        fields.put("detail", run.failure());
        fields.put("elapsed_ms", run.elapsedNanos() / 1_000_000);
        if (run.startError() == null) {
            fields.put("output", run.output());
            fields.put("output_bytes", run.outputBytes());
        }
        events.emit(run.timedOut() ? "hook-timeout" : "hook-failed", command.get(0) + " for " + change.group() + " "
                + change.role() + ": " + run.failure() + (run.startError() == null ? "; output: " + run.outputSummary() : ""),
                fields);
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

    /** The longest a queued hook may take: the shutdown's wait for the stop hook. */
    public long longestTimeoutMillis() {
        return layers.stream().mapToLong(AgentConfig.Notify::timeoutNanos).max().orElse(0) / 1_000_000;
    }
}
