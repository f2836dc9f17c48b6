package io.lvsha.agent.director;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a dataplane tool; an interface so that tests can stand in for the kernel's tools. */
@FunctionalInterface
public interface CommandRunner {

    /** A finished command. */
    record Result(int exitStatus, String output) {
        public boolean ok() {
            return exitStatus == 0;
        }
    }

    /**
     * @param input written to the command's standard input, or null
     * @return its exit status and its standard output and error, interleaved
     */
    Result run(List<String> command, String input) throws BackendException;

    /**
     * Reads a file of the director's kernel (a {@code /proc} table), in this process where the
     * commands run on this machine: a {@code cat} per read would cost more than the read.
     */
    default String read(String path) throws IOException {
        // The kernel prints its tables in ASCII: one byte, one char, a compact string
        return new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(path)), StandardCharsets.ISO_8859_1);
    }

    /** Runs real processes, each with a hard timeout: a hung tool is killed, never waited on forever. */
    static CommandRunner processes(long timeoutMillis) {
        return (command, input) -> {
            java.nio.file.Path output = null;
            Process process = null;
            try {
                output = java.nio.file.Files.createTempFile("lvsha-cmd", ".out");
                process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
                try (OutputStream stdin = process.getOutputStream()) {
                    if (input != null) {
                        stdin.write(input.getBytes(StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    // The command exited without reading its input; its status and output say why.
                }
                if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                    throw new BackendException(String.join(" ", command) + " did not finish in " + timeoutMillis + " ms");
                }
                return new Result(process.exitValue(), java.nio.file.Files.readString(output));
            } catch (IOException e) {
                throw new BackendException(command.get(0) + ": " + e.getMessage() + " ("
                        + DebianPackages.installHint(command.get(0)) + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackendException(String.join(" ", command) + " interrupted");
            } finally {
                if (process != null) {
                    process.destroyForcibly();
                }
                if (output != null) {
                    output.toFile().delete();
                }
            }
        };
    }
}
