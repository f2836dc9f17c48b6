package io.lvsha.agent.hook;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One run of an operator's program (a notify hook, a track script): started without a shell, its
 * output read to the end with the head kept, killed with its children at its timeout. Blocks the
 * calling thread, never the HA loop's.
 */
public record ProgramRun(List<String> command, int exit, boolean timedOut, String startError, String output,
                         long outputBytes, long elapsedNanos) {
    /** Output kept for the log and the events; the rest is read and counted, so a chatty program never blocks on its pipe. */
    public static final int OUTPUT_HEAD_BYTES = 2048;
    private static final long DRAIN_WAIT_MILLIS = 1000;

    public boolean succeeded() {
        return startError == null && !timedOut && exit == 0;
    }

    /** What went wrong, for an event: a start failure, the timeout, or the exit status. */
    public String failure() {
        return startError != null ? "cannot be started: " + startError
                : timedOut ? "killed with its children after " + elapsedNanos / 1_000_000 + " ms" : "exit " + exit;
    }

    /** The output's head on one line, with the total when more was printed. */
    public String outputSummary() {
        String text = output.replace('\n', '|');
        return text.isEmpty() ? "none" : outputBytes > output.length() ? text + " ... (" + outputBytes + " bytes in all)" : text;
    }

    /**
     * @param drains where the output is read (a thread per run at most; made at normal priority)
     * @throws InterruptedException after killing the program
     */
    public static ProgramRun run(List<String> command, Map<String, String> environment, long timeoutNanos,
                                 ExecutorService drains) throws InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(environment);
        long started = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new ProgramRun(command, -1, false, e.getMessage(), "", 0, System.nanoTime() - started);
        }
        OutputHead output = new OutputHead(process.getInputStream());
        drains.execute(output);
        boolean timedOut = false;
        try {
            if (!process.waitFor(timeoutNanos, TimeUnit.NANOSECONDS)) {
                timedOut = true;
                killTree(process);
                process.waitFor(DRAIN_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            }
            output.await();
        } catch (InterruptedException e) {
            killTree(process);
            throw e;
        }
        long elapsed = timedOut ? timeoutNanos : System.nanoTime() - started;
        return new ProgramRun(command, timedOut ? -1 : process.exitValue(), timedOut, null, output.head(), output.total(),
                elapsed);
    }

    /** Kills the program and every process it started that is still its descendant (a double fork escapes). */
    private static void killTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    /** Reads a program's output to its end, keeping the head. */
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
                    synchronized (this) {
                        int keep = Math.min(read, head.length - kept);
                        System.arraycopy(buffer, 0, head, kept, keep);
                        kept += keep;
                        total += read;
                    }
                }
            } catch (IOException e) {
                // The program was killed, or a child that escaped holds the pipe: what was read is kept.
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
    }
}
