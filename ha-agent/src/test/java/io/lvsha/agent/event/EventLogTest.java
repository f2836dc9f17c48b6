package io.lvsha.agent.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Events are queued by the emitter and written, in order, by the log's own thread; close writes what is queued. */
class EventLogTest {
    @TempDir
    Path dir;

    @Test
    void everyEventQueuedBeforeCloseIsWrittenInOrderTwice() throws Exception {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Path file = dir.resolve("events.jsonl");
        EventLog log = EventLog.open("d1", file, new PrintStream(stdout, true, StandardCharsets.UTF_8));
        EventLog group = log.forGroup("tftp");
        for (int i = 0; i < 200; i++) {
            (i % 2 == 0 ? log : group).emit("test", "event " + i, Map.of("n", i));
        }
        log.close();
        log.emit("late", "after the close", Map.of()); // dropped with a warning, not thrown

        List<String> lines = Files.readAllLines(file);
        assertEquals(200, lines.size());
        for (int i = 0; i < 200; i++) {
            assertTrue(lines.get(i).contains("\"n\":" + i + "}"), lines.get(i));
        }
        assertTrue(lines.get(1).contains("\"group\":\"tftp\""), lines.get(1));
        List<String> readable = stdout.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(200, readable.size());
        assertTrue(readable.get(199).endsWith("d1 [tftp] test: event 199"), readable.get(199));
    }

    @Test
    void theFieldsAreTakenAsTheyWereWhenEmitted() throws Exception {
        Path file = dir.resolve("events.jsonl");
        EventLog log = EventLog.open("d1", file, new PrintStream(new ByteArrayOutputStream()));
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("state", "before");
        log.emit("test", "one", fields);
        fields.put("state", "after");
        log.close();
        assertTrue(Files.readString(file).contains("\"state\":\"before\""));
    }
}
