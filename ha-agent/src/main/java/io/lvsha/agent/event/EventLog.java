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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every event an operator cares about, twice: one JSON line appended to the event file (for tools)
 * and one readable line on stdout (for journald and people). Thread-safe.
 *
 * <p>{@link #emit} only stamps the event and queues it; a thread of the log's own, at normal
 * priority, encodes and writes it. Most events come from the real-time HA loop, which must never
 * wait for stdout (journald stalls under load) nor spend milliseconds on JSON: after a takeover,
 * writing its events on the loop kept both CPUs of the lab's directors from the rest of the
 * machine for 3-9 ms (the side-by-side benchmark's clients lost probes to it).
 */
public final class EventLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    /** How many recent events `ha-agentctl events` can show. */
    public static final int RECENT = 1000;

    /** How long {@link #close} waits for the queued events to be written. */
    private static final long CLOSE_WAIT_MILLIS = 2000;

    /** What every view of one log shares: the file, stdout, the writer, the recent events and their followers. */
    private static final class Sink {
        final BufferedWriter file;
        final PrintStream out;
        final ExecutorService writer;
        final Deque<String> recent = new ArrayDeque<>(RECENT);
        final List<Consumer<String>> followers = new CopyOnWriteArrayList<>();

        Sink(BufferedWriter file, PrintStream out, ExecutorService writer) {
            this.file = file;
            this.out = out;
            this.writer = writer;
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

    /**
     * Opens (appends to) the event file, creating its directory, and starts its writer thread:
     * call it from a thread at normal priority (a thread inherits its creator's scheduling).
     */
    public static EventLog open(String node, Path eventFile, PrintStream out) throws IOException {
        Path parent = eventFile.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BufferedWriter writer = Files.newBufferedWriter(eventFile, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        ThreadPoolExecutor thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                task -> {
                    Thread events = new Thread(task, "events");
                    events.setDaemon(true);
                    return events;
                });
        // Now, on the caller's thread: made at the first event, on the HA loop, it would be real-time too.
        thread.prestartAllCoreThreads();
        return new EventLog(node, new Sink(writer, out, thread), null);
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
        Instant now = Instant.now();
        Map<String, Object> copy = new LinkedHashMap<>(fields);
        try {
            sink.writer.execute(() -> {
                synchronized (sink) {
                    write(now, type, text, copy);
                }
            });
        } catch (RejectedExecutionException closed) {
            LOG.warn("event after the log closed: {}: {}", type, text);
        }
    }

    private void write(Instant now, String type, String text, Map<String, Object> fields) {
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

    /**
     * Waits (up to 2 s) until every event emitted before this call is written: for a reader that
     * must see what it just caused (the admin socket's {@code events}, a test). Not on the HA loop.
     */
    public void awaitWritten() {
        try {
            sink.writer.submit(() -> { }).get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                 | RejectedExecutionException e) {
            LOG.debug("events not all written: {}", e.toString());
        }
    }

    /** The last {@code count} events written, as JSON lines, oldest first. */
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

    /** Writes what is queued (waiting up to 2 s), then closes the file under every view of this log. */
    @Override
    public void close() throws IOException {
        sink.writer.shutdown();
        try {
            if (!sink.writer.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("events not written in {} ms are lost", CLOSE_WAIT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (sink) {
            sink.file.close();
        }
    }
}
