package io.lvsha.agent.director.ipvs;

import io.lvsha.agent.director.VirtualService;
import io.lvsha.state.sync.ConnectionRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What changed in {@code /proc/net/ip_vs_conn} since the last read. A line is known by its text
 * without the countdown (protocol, addresses, ports, real server, state), so a read parses only
 * the lines it has not seen before: polling a table of thousands every few milliseconds costs the
 * kernel's printing and a string compare per line, not a parse per line.
 */
final class IpvsTableDiff {
    /** A read's changes: connections new or changed (state, real server), and connections gone. */
    record Changes(List<ConnectionRecord> learned, List<ConnectionRecord> ended) {
    }

    /** The countdown is the ninth column; what follows it (a persistence engine's data) is part of the identity. */
    private static final int COUNTDOWN_COLUMN = 8;

    private Map<String, ConnectionRecord> known = new HashMap<>();

    /** Takes the file's text as read now. */
    Changes next(String procFile, List<VirtualService> services) {
        Map<String, ConnectionRecord> now = new HashMap<>(Math.max(16, known.size() * 2));
        List<ConnectionRecord> learned = new ArrayList<>();
        int start = 0;
        while (start < procFile.length()) {
            int end = procFile.indexOf('\n', start);
            if (end < 0) {
                end = procFile.length();
            }
            String line = procFile.substring(start, end);
            start = end + 1;
            String fingerprint = withoutCountdown(line);
            if (fingerprint == null) {
                continue;
            }
            ConnectionRecord record = known.remove(fingerprint);
            if (record == null) {
                List<ConnectionRecord> parsed = IpvsConnections.parse(line, services);
                if (parsed.isEmpty()) {
                    continue;
                }
                record = parsed.get(0);
                learned.add(record);
            }
            now.put(fingerprint, record);
        }
        // What is left was in the last read and not in this one, unless it only changed its state.
        Set<ConnectionRecord.Key> stillThere = new HashSet<>();
        learned.forEach(record -> stillThere.add(record.key()));
        List<ConnectionRecord> ended = new ArrayList<>();
        for (ConnectionRecord record : known.values()) {
            if (!stillThere.contains(record.key())) {
                ended.add(record);
            }
        }
        known = now;
        return new Changes(learned, ended);
    }

    /** Forgets every line: the next read reports the whole table as learned. */
    void reset() {
        known = new HashMap<>();
    }

    /** The line without its countdown column, or null for the header and lines too short to be a connection. */
    private static String withoutCountdown(String line) {
        int column = 0;
        int i = 0;
        int length = line.length();
        while (i < length) {
            while (i < length && line.charAt(i) == ' ') {
                i++;
            }
            if (i == length) {
                break;
            }
            int wordStart = i;
            while (i < length && line.charAt(i) != ' ') {
                i++;
            }
            if (column == 0 && line.startsWith("Pro", wordStart) && i - wordStart == 3) {
                return null;
            }
            if (column == COUNTDOWN_COLUMN) {
                return line.substring(0, wordStart) + line.substring(i);
            }
            column++;
        }
        return null;
    }
}
