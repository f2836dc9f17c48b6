package io.lvsha.agent.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.lab.ProcessStates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hooks run as real processes (/bin/sh scripts in the test's own directory); no root needed. */
class NotifyHooksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SOON = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private EventLog events;
    private NotifyHooks hooks;

    @BeforeEach
    void openEvents() throws IOException {
        events = EventLog.open("d1", dir.resolve("events.jsonl"), new PrintStream(new ByteArrayOutputStream()));
    }

    @AfterEach
    void close() throws IOException {
        if (hooks != null) {
            hooks.close(0);
        }
        events.close();
    }

    private Path script(String name, String body) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        file.toFile().setExecutable(true);
        return file;
    }

    private static AgentConfig.Notify notify(List<String> master, List<String> backup, List<String> any, long timeoutNanos) {
        return new AgentConfig.Notify(master, backup, List.of(), List.of(), any, timeoutNanos);
    }

    private static NotifyHooks.Change change(String role, String from, int priority) {
        return new NotifyHooks.Change("tftp-a", role, from, "master-down timer expired", priority,
                List.of("10.99.0.10", "192.168.50.1"), "d1");
    }

    private List<String> awaitLines(Path file, int count) throws Exception {
        long deadline = System.nanoTime() + SOON.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file);
                if (lines.size() >= count) {
                    return lines;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("fewer than " + count + " lines in " + file + ": "
                + (Files.exists(file) ? Files.readAllLines(file) : "no file"));
    }

    private JsonNode awaitEvent(String type) throws Exception {
        long deadline = System.nanoTime() + SOON.toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(dir.resolve("events.jsonl"))) {
                JsonNode event = JSON.readTree(line);
                if (event.path("event").asText().equals(type)) {
                    return event;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + type + " event in " + Files.readAllLines(dir.resolve("events.jsonl")));
    }

    @Test
    void hooksRunInTheOrderOfTheChangesWithTheirArgumentsAndEnvironment() throws Exception {
        Path log = dir.resolve("ran.txt");
        Path record = script("record.sh", "sleep 0.05; echo \"$1 $2 $3 $4 | $LVSHA_GROUP $LVSHA_ROLE $LVSHA_FROM"
                + " $LVSHA_PRIORITY [$LVSHA_VIPS] $LVSHA_NODE $LVSHA_REASON\" >> " + log);
        String program = record.toString();
        AgentConfig.Notify group = notify(List.of(program, "master", "%g", "%r", "%p%%"),
                List.of(program, "backup", "%g", "%r", "%p"), List.of(program, "any", "%g", "%r", "%p"), 5_000_000_000L);
        AgentConfig.Notify agentWide = notify(List.of(), List.of(), List.of(program, "agent", "%g", "%r", "%p"),
                5_000_000_000L);
        hooks = new NotifyHooks(List.of(group, agentWide), events);
        hooks.changed(change("master", "backup", 100));
        hooks.changed(change("backup", "master", 90));
        assertEquals(List.of(
                "master tftp-a master 100% | tftp-a master backup 100 [10.99.0.10 192.168.50.1] d1 master-down timer expired",
                "any tftp-a master 100 | tftp-a master backup 100 [10.99.0.10 192.168.50.1] d1 master-down timer expired",
                "agent tftp-a master 100 | tftp-a master backup 100 [10.99.0.10 192.168.50.1] d1 master-down timer expired",
                "backup tftp-a backup 90 | tftp-a backup master 90 [10.99.0.10 192.168.50.1] d1 master-down timer expired",
                "any tftp-a backup 90 | tftp-a backup master 90 [10.99.0.10 192.168.50.1] d1 master-down timer expired",
                "agent tftp-a backup 90 | tftp-a backup master 90 [10.99.0.10 192.168.50.1] d1 master-down timer expired"),
                awaitLines(log, 6));
    }

    @Test
    void aHangingHookIsKilledWithItsChildrenAtItsTimeoutAndTheNextOneStillRuns() throws Exception {
        Path pids = dir.resolve("pids.txt");
        Path after = dir.resolve("after.txt");
        Path hang = script("hang.sh", "sleep 300 & echo $! >> " + pids + "; echo $$ >> " + pids + "; echo hanging; wait");
        Path next = script("next.sh", "echo ran > " + after);
        hooks = new NotifyHooks(List.of(notify(List.of(hang.toString()), List.of(next.toString()), List.of(),
                500_000_000L)), events);
        long queued = System.nanoTime();
        hooks.changed(change("master", "backup", 100));
        hooks.changed(change("backup", "master", 100));
        long queueing = System.nanoTime() - queued;
        List<String> started = awaitLines(pids, 2);
        assertTrue(queueing < Duration.ofSeconds(1).toNanos(), "queueing waited for the hook: " + queueing / 1e6 + " ms");
        JsonNode timeout = awaitEvent("hook-timeout");
        assertEquals("master", timeout.path("role").asText());
        assertTrue(timeout.path("detail").asText().equals("killed with its children after 500 ms"), timeout.toString());
        assertEquals("hanging", timeout.path("output").asText());
        awaitLines(after, 1);
        for (String pid : started) {
            assertTrue(ProcessStates.awaitStopped(Long.parseLong(pid), SOON),
                    "process " + pid + " of the hook still runs: " + ProcessStates.state(Long.parseLong(pid)));
        }
    }

    @Test
    void aHookThatFailsOrCannotStartIsReportedAndTheOthersRun() throws Exception {
        Path after = dir.resolve("after.txt");
        Path failing = script("fail.sh", "echo 'no route to dns' >&2; exit 3");
        Path next = script("next.sh", "echo ran > " + after);
        Path gone = dir.resolve("deleted-after-load.sh");
        hooks = new NotifyHooks(List.of(notify(List.of(failing.toString()), List.of(gone.toString()),
                List.of(next.toString()), 5_000_000_000L)), events);
        hooks.changed(change("master", "backup", 100));
        JsonNode failed = awaitEvent("hook-failed");
        assertTrue(failed.path("detail").asText().equals("exit 3"), failed.toString());
        assertEquals("no route to dns", failed.path("output").asText(), "stderr is kept too");
        awaitLines(after, 1);
        Files.delete(after);
        hooks.changed(change("backup", "master", 100));
        awaitLines(after, 1);
        List<JsonNode> failures = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("events.jsonl"))) {
            failures.add(JSON.readTree(line));
        }
        assertTrue(failures.stream().anyMatch(event -> event.path("role").asText().equals("backup")
                && event.path("command").path(0).asText().equals(gone.toString())
                && event.path("detail").asText().startsWith("cannot be started")), failures.toString());
    }

    @Test
    void megabytesOfOutputNeitherBlockTheHookNorFillTheLog() throws Exception {
        Path done = dir.resolve("done.txt");
        Path chatty = script("chatty.sh", "head -c 8000000 /dev/zero | tr '\\0' 'x'; echo; echo done > " + done + "; exit 1");
        hooks = new NotifyHooks(List.of(notify(List.of(chatty.toString()), List.of(), List.of(), 20_000_000_000L)), events);
        hooks.changed(change("master", "backup", 100));
        awaitLines(done, 1);
        JsonNode failed = awaitEvent("hook-failed");
        assertEquals(8_000_001, failed.path("output_bytes").asLong(), "all of it read");
        assertEquals(ProgramRun.OUTPUT_HEAD_BYTES, failed.path("output").asText().length(), "only the head kept");
        assertTrue(Files.size(dir.resolve("events.jsonl")) < 20_000, "the event file stays small");
    }

    @Test
    void placeholdersAreReplacedAndAPercentKeptWhereAsked() {
        NotifyHooks.Change change = change("fault", "master", 77);
        assertEquals("tftp-a/fault/77/%/%x", NotifyHooks.substitute("%g/%r/%p/%%/%x", change));
        assertEquals("100%", NotifyHooks.substitute("100%", change));
    }
}
