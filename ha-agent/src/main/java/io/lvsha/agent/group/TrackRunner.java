package io.lvsha.agent.group;

import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.hook.DaemonThreads;
import io.lvsha.agent.hook.ProgramRun;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Runs the tracked scripts at their intervals and reads the tracked files every second, on
 * threads of its own (one per script: a slow script never delays another), and hands each
 * result to the HA loop as an update of {@link TrackTerms}. Create it from a thread at normal
 * priority: its threads, and the scripts, inherit their creator's scheduling.
 */
final class TrackRunner implements AutoCloseable {
    private static final long FILE_READ_NANOS = 1_000_000_000L;

    private final ScheduledThreadPoolExecutor scheduler;
    private final ExecutorService drains;

    /** @param loop carries a description and an update to the HA loop */
    TrackRunner(AgentConfig.Tracking tracking, BiConsumer<String, Predicate<TrackTerms>> loop) {
        // A result that reaches the loop after a reload replaced what is tracked is dropped.
        BiConsumer<String, Predicate<TrackTerms>> toLoop = (what, update) ->
                loop.accept(what, terms -> terms.tracking().equals(tracking) && update.test(terms));
        // No thread for a group that tracks no script and no file: 200 such groups had 200 idle ones.
        this.scheduler = new ScheduledThreadPoolExecutor(tracking.scripts().size() + (tracking.files().isEmpty() ? 0 : 1),
                DaemonThreads.named("track"));
        this.scheduler.prestartAllCoreThreads();
        this.drains = Executors.newCachedThreadPool(DaemonThreads.named("track-output"));
        for (int i = 0; i < tracking.scripts().size(); i++) {
            int index = i;
            AgentConfig.TrackScript script = tracking.scripts().get(i);
            String what = "script " + String.join(" ", script.command());
            scheduler.scheduleWithFixedDelay(() -> {
                ProgramRun run;
                try {
                    run = ProgramRun.run(script.command(), Map.of(), script.timeoutNanos(), drains);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                String detail = run.succeeded() ? "exit 0" : run.failure()
                        + (run.output().isEmpty() ? "" : ": " + run.output().lines().findFirst().orElse(""));
                toLoop.accept(what, terms -> terms.scriptResult(index, run.succeeded(), detail));
            }, 0, script.intervalNanos(), TimeUnit.NANOSECONDS);
        }
        if (!tracking.files().isEmpty()) {
            List<AgentConfig.TrackFile> files = tracking.files();
            Integer[] lastRead = new Integer[files.size()];
            boolean[] readOnce = new boolean[files.size()];
            scheduler.scheduleWithFixedDelay(() -> {
                for (int i = 0; i < files.size(); i++) {
                    int index = i;
                    Integer value = null;
                    String detail;
                    try {
                        String text = Files.readString(files.get(i).file()).strip();
                        value = Integer.valueOf(text);
                        detail = null;
                    } catch (IOException | NumberFormatException e) {
                        detail = "not an integer: " + e.getMessage();
                    }
                    if (!readOnce[i] || !java.util.Objects.equals(value, lastRead[i])) {
                        readOnce[i] = true;
                        lastRead[i] = value;
                        Integer read = value;
                        String why = detail;
                        toLoop.accept("file " + files.get(i).file(), terms -> terms.fileValue(index, read, why));
                    }
                }
            }, 0, FILE_READ_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        drains.shutdownNow();
    }
}
