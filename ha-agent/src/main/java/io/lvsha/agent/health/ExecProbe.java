package io.lvsha.agent.health;

import io.lvsha.agent.director.CheckSpec;
import io.lvsha.vrrp.IpAddress;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs an operator's check program (piranha's "send_program"): %h and %p become the real
 * server's address and port. Its output goes to a file, so no thread waits on it; a program still
 * running at the probe's timeout is killed, with its children.
 */
final class ExecProbe {
    private ExecProbe() {
    }

    static CompletableFuture<ProbeResult> start(EventLoopGroup group, CheckSpec spec, IpAddress address, int port) {
        CompletableFuture<ProbeResult> result = new CompletableFuture<>();
        List<String> command = new ArrayList<>();
        for (String word : spec.program()) {
            command.add(word.replace("%h", address.toString()).replace("%p", Integer.toString(port)));
        }
        Path output;
        Process process;
        try {
            output = Files.createTempFile("lvsha-check", ".out");
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            result.complete(ProbeResult.failed(command.get(0) + " cannot be started: " + e.getMessage()));
            return result;
        }
        long timeoutMillis = TimeUnit.NANOSECONDS.toMillis(spec.probeTimeoutNanos());
        ScheduledFuture<?> kill = group.next().schedule(() -> {
            // The verdict comes before the kill: the killed program's exit must not be taken for its answer.
            if (result.complete(ProbeResult.failed(command.get(0) + " killed after " + timeoutMillis + " ms"))) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        process.onExit().thenAccept(exited -> {
            kill.cancel(false);
            String text;
            try {
                byte[] bytes = Files.readAllBytes(output);
                text = new String(bytes, 0, Math.min(bytes.length, Probes.MAX_ANSWER), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                text = "";
            }
            boolean ok = spec.expect() != null ? spec.expect().matcher(text).find() : exited.exitValue() == 0;
            String detail = "exit " + exited.exitValue() + (text.isBlank() ? "" : ": " + Probes.firstLine(text.strip()));
            result.complete(ok ? ProbeResult.ok(detail) : ProbeResult.failed(detail));
        }).whenComplete((ignored, error) -> output.toFile().delete());
        return result;
    }
}
