package io.lvsha.agent.event;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every event an operator cares about, twice: one JSON line appended to the event file (for tools)
 * and one readable line on stdout (for journald and people). Thread-safe.
 */
public final class EventLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    /** How many recent events `ha-agentctl events` can show. */
    public static final int RECENT = 1000;

    /** What every view of one log shares: the file, stdout, the recent events and their followers. */
    private static final class Sink {
        final BufferedWriter file;
        final PrintStream out;
        final Deque<String> recent = new ArrayDeque<>(RECENT);
        final List<Consumer<String>> followers = new CopyOnWriteArrayList<>();

        Sink(BufferedWriter file, PrintStream out) {
            this.file = file;
            this.out = out;
        }
    }

    private final String node;
    private final Sink sink;
    /** The failover group every event of this view is about, or null (the agent's own events). */
    private final String group;

    private EventLog(String node, Sink sink, String group) {
        this.node = node;
        this.sink = sink;
        this.group = group;
    }

    /** Opens (appends to) the event file, creating its directory. */
    public static EventLog open(String node, Path eventFile, PrintStream out) throws IOException {
        Path parent = eventFile.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BufferedWriter writer = Files.newBufferedWriter(eventFile, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        return new EventLog(node, new Sink(writer, out), null);
    }

    /** The same log, each event of it marked as about {@code name} (a "group" field, and the name in the readable line). */
    public EventLog forGroup(String name) {
        return new EventLog(node, sink, name);
    }

    /**
     * Records one event.
     *
     * @param type the event's kind, e.g. "role-change"
     * @param text the readable line, without time and node
     * @param fields the event's data, in the order given
     */
    public void emit(String type, String text, Map<String, Object> fields) {
        synchronized (sink) {
            write(type, text, fields);
        }
    }

    private void write(String type, String text, Map<String, Object> fields) {
        Instant now = Instant.now();
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("time", now.toString());
        record.put("node", node);
        record.put("event", type);
        if (group != null) {
            record.put("group", group);
        }
        record.putAll(fields);
        String line;
        try {
            line = JSON.writeValueAsString(record);
        } catch (IOException e) {
            LOG.error("cannot encode event {}: {}", type, e.getMessage());
            return;
        }
        try {
            sink.file.write(line);
            sink.file.newLine();
            sink.file.flush();
        } catch (IOException e) {
            LOG.error("cannot write the event file: {}", e.getMessage());
        }
        if (sink.recent.size() == RECENT) {
            sink.recent.removeFirst();
        }
        sink.recent.addLast(line);
        for (Consumer<String> follower : sink.followers) {
            follower.accept(line);
        }
        sink.out.println(CLOCK.format(now) + " " + node + (group == null ? "" : " [" + group + "]") + " " + type + ": " + text);
        sink.out.flush();
    }

    /** The last {@code count} events as JSON lines, oldest first. */
    public List<String> recent(int count) {
        synchronized (sink) {
            List<String> all = new ArrayList<>(sink.recent);
            return all.subList(Math.max(0, all.size() - count), all.size());
        }
    }

    /**
     * Sends every later event's JSON line to {@code follower}, called with this log's lock held:
     * it must not block (the admin socket only queues a write).
     */
    public void follow(Consumer<String> follower) {
        sink.followers.add(follower);
    }

    public void unfollow(Consumer<String> follower) {
        sink.followers.remove(follower);
    }

    /** Closes the file under every view of this log. */
    @Override
    public void close() throws IOException {
        synchronized (sink) {
            sink.file.close();
        }
    }
}
