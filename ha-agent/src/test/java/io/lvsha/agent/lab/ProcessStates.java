package io.lvsha.agent.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Whether a process still runs, as /proc tells it: a killed one whose new parent never reaps it (PID 1 here is no init) is a zombie, not alive. */
public final class ProcessStates {
    private ProcessStates() {
    }

    /** @return "gone", "zombie", or the process's state line */
    public static String state(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(line -> line.startsWith("State:")).findFirst().orElse("gone");
        } catch (IOException e) {
            return "gone";
        }
    }

    public static boolean isRunning(long pid) {
        String state = state(pid);
        return !state.equals("gone") && !state.contains("(zombie)");
    }

    /** Waits up to {@code timeout} for the process to stop running; returns whether it did. */
    public static boolean awaitStopped(long pid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(pid) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return !isRunning(pid);
    }
}
