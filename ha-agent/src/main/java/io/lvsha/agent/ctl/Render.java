package io.lvsha.agent.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.admin.AdminCommand;
import java.util.Iterator;
import java.util.Map;

/** Human output for ha-agentctl: a compact table for status, one line per event, key: value otherwise. */
final class Render {
    private Render() {
    }

    static String reply(AdminCommand command, JsonNode reply) {
        return switch (command) {
            case STATUS -> status(reply);
            case EVENTS -> {
                StringBuilder text = new StringBuilder();
                for (JsonNode event : reply.path("events")) {
                    text.append(event(event)).append('\n');
                }
                yield text.toString().stripTrailing();
            }
            case CONNECTIONS -> connections(reply);
            case DOCTOR -> doctor(reply);
            case SWITCHOVER, RESUME, MAINTENANCE, PRIORITY, RELOAD, METRICS, GARP, HELLO, REAL_SERVER -> fields(reply);
        };
    }

    /** One line a setting, "ok" or "CHANGE" first; what to change under each that needs it. */
    private static String doctor(JsonNode reply) {
        StringBuilder text = new StringBuilder();
        for (JsonNode check : reply.path("checks")) {
            boolean ok = check.path("ok").asBoolean();
            text.append(ok ? "ok      " : "CHANGE  ").append(check.path("setting").asText()).append(" = ")
                    .append(check.path("value").asText()).append('\n');
            if (!ok) {
                text.append("        ").append(check.path("advice").asText()).append('\n');
            }
        }
        long advised = reply.path("advised").asLong();
        return text.append(advised == 0 ? "nothing to change" : advised + " setting(s) to change").toString();
    }

    /** As {@code ipvsadm -Lnc} lays out a table: one entry a line, then the counts; of several groups, each group's. */
    private static String connections(JsonNode reply) {
        if (reply.has("groups")) {
            StringBuilder each = new StringBuilder();
            Iterator<Map.Entry<String, JsonNode>> groups = reply.path("groups").fields();
            while (groups.hasNext()) {
                Map.Entry<String, JsonNode> group = groups.next();
                each.append("group ").append(group.getKey()).append('\n').append(connections(group.getValue())).append("\n\n");
            }
            return each.toString().stripTrailing();
        }
        StringBuilder text = new StringBuilder();
        left(text, "pro", 5).append(' ');
        left(text, "client", 45).append(' ');
        left(text, "virtual", 45).append(' ');
        left(text, "real server", 45).append(' ');
        left(text, "state", 7).append(" timeout\n");
        for (JsonNode entry : reply.path("connections")) {
            String protocol = switch (entry.path("protocol").asInt()) {
                case 6 -> "TCP";
                case 17 -> "UDP";
                case 132 -> "SCTP";
                default -> entry.path("protocol").asText();
            };
            String virtual = entry.has("fwmark") && entry.path("template").asBoolean()
                    ? "FWM " + entry.path("fwmark").asText() : entry.path("virtual").asText();
            left(text, entry.path("template").asBoolean() ? "IP" : protocol, 5).append(' ');
            left(text, entry.path("client").asText(), 45).append(' ');
            left(text, virtual, 45).append(' ');
            left(text, entry.path("real_server").asText(), 45).append(' ');
            left(text, entry.path("state").asText(), 7).append(' ').append(entry.path("timeout_s").asText()).append("s\n");
        }
        text.append(reply.path("connections").size()).append(" shown, ").append(reply.path("matched").asText())
                .append(" matched, ").append(reply.path("total").asText()).append(" in the table");
        return text.toString();
    }

    static String event(JsonNode event) {
        StringBuilder text = new StringBuilder();
        text.append(event.path("time").asText()).append(' ').append(event.path("node").asText()).append(' ')
                .append(event.path("event").asText()).append(':');
        Iterator<Map.Entry<String, JsonNode>> fields = event.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getKey().equals("time") && !field.getKey().equals("node") && !field.getKey().equals("event")) {
                text.append(' ').append(field.getKey()).append('=')
                        .append(field.getValue().isTextual() ? field.getValue().asText() : JsonTrees.write(field.getValue()));
            }
        }
        return text.toString();
    }

    private static String fields(JsonNode reply) {
        StringBuilder text = new StringBuilder();
        Iterator<Map.Entry<String, JsonNode>> fields = reply.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getKey().equals("ok")) {
                text.append(field.getKey()).append(": ")
                        .append(field.getValue().isTextual() ? field.getValue().asText() : JsonTrees.write(field.getValue()))
                        .append('\n');
            }
        }
        return text.toString().stripTrailing();
    }

    /** Each group's block (role, priorities, channels, VIPs, peer link, sync, last transition), then the director. */
    private static String status(JsonNode s) {
        StringBuilder text = new StringBuilder();
        for (JsonNode group : s.path("groups")) {
            group(text, s.path("node").asText(), s.path("uptime_s").asLong(), group);
        }
        if (s.has("backend")) {
            text.append("backend ").append(s.path("backend").asText())
                    .append(s.has("backend_error") ? "  ERROR: " + s.path("backend_error").asText() : "").append('\n');
        }
        for (JsonNode service : s.path("services")) {
            text.append("service ").append(service.path("name").asText()).append(" (").append(service.path("key").asText())
                    .append(", ").append(service.path("scheduler").asText()).append(")\n");
            for (JsonNode real : service.path("real_servers")) {
                left(text.append("  "), real.path("address").asText(), 22).append(' ');
                left(text, real.path("health").asText(), 9).append(' ');
                left(text, real.path("operator").asText("-"), 9).append(" weight ");
                left(text, real.path("weight").asText(), 4).append(' ').append(real.path("last_check").asText()).append('\n');
            }
        }
        return text.toString().stripTrailing();
    }

    private static void group(StringBuilder text, String node, long uptimeSeconds, JsonNode s) {
        JsonNode priority = s.path("priority");
        text.append("node ").append(node).append("  group ").append(s.path("group").asText())
                .append("  role ").append(s.path("role").asText())
                .append("  priority ").append(priority.path("effective").asInt())
                .append(" (configured ").append(priority.path("configured").asInt());
        if (!priority.path("override").isNull()) {
            text.append(", set ").append(priority.path("override").asInt());
        }
        text.append(")  VRID ").append(s.path("vrid").asInt()).append(" v").append(s.path("vrrp_version").asInt())
                .append("  advert ").append(s.path("advert_interval_ms").asInt()).append(" ms  up ").append(uptimeSeconds)
                .append(" s\n");
        text.append("master ").append(s.path("master").path("address").asText("unknown"))
                .append(" (priority ").append(s.path("master").path("priority").asInt())
                .append(")  maintenance ").append(yesNo(s.path("maintenance")))
                .append("  holding ").append(yesNo(s.path("holding"))).append('\n');
        channelRow(text, "CHANNEL", "INTERFACE", "LINK", "LOST", "LAST ADVERT", "SENT", "RECEIVED", "SPEAKERS", "DROPPED");
        for (JsonNode channel : s.path("channels")) {
            JsonNode age = channel.path("last_advert_age_ms");
            StringBuilder speakers = new StringBuilder();
            for (JsonNode speaker : channel.path("known_speakers")) {
                speakers.append(speakers.length() == 0 ? "" : ",").append(speaker.asText());
            }
            channelRow(text, channel.path("name").asText(), channel.path("interface").asText(), channel.path("link").asText(),
                    yesNo(channel.path("lost")), age.isNull() ? "-" : age.asLong() + " ms ago",
                    String.valueOf(channel.path("sent").asLong()), String.valueOf(channel.path("received").asLong()),
                    speakers.length() == 0 ? "any" : speakers.toString(),
                    channel.path("dropped").isEmpty() ? "-" : JsonTrees.write(channel.path("dropped")));
        }
        vipRow(text, "VIP", "INTERFACE", "HERE");
        for (JsonNode vip : s.path("vips")) {
            vipRow(text, vip.path("address").asText(), vip.path("interface").asText(), yesNo(vip.path("here")));
        }
        JsonNode peer = s.path("peer_link");
        if (peer.path("configured").asBoolean(false)) {
            text.append("peer link ").append(peer.path("up").asBoolean() ? "up to " + peer.path("peer").asText() : "down")
                    .append(peer.path("config_match").isBoolean() && !peer.path("config_match").asBoolean()
                            ? "  CONFIGURATION MISMATCH (see events)" : "").append('\n');
        }
        JsonNode sync = s.path("sync");
        if (sync.has("state")) {
            text.append("sync ").append(sync.path("state").asText())
                    .append(sync.path("behind").asLong() > 0 ? " (" + sync.path("behind").asLong() + " behind)" : "")
                    .append(", ").append(sync.path("connections").asLong()).append(" connections\n");
        }
        JsonNode last = s.path("last_transition");
        if (last.has("to")) {
            text.append("last transition ").append(last.path("time").asText()).append(": ").append(last.path("from").asText())
                    .append(" -> ").append(last.path("to").asText()).append(" (").append(last.path("reason").asText()).append(')');
            if (last.has("takeover")) {
                text.append(" takeover ").append(JsonTrees.write(last.path("takeover")));
            }
            text.append('\n');
        }
    }

    private static void channelRow(StringBuilder text, String name, String iface, String link, String lost, String age,
                                   String sent, String received, String speakers, String dropped) {
        left(text, name, 10).append(' ');
        left(text, iface, 10).append(' ');
        left(text, link, 5).append(' ');
        left(text, lost, 5).append(' ');
        left(text, age, 12).append(' ');
        right(text, sent, 9).append(' ');
        right(text, received, 9).append("  ");
        left(text, speakers, 16).append(' ').append(dropped).append('\n');
    }

    private static void vipRow(StringBuilder text, String address, String iface, String here) {
        left(text, address, 22).append(' ');
        left(text, iface, 10).append(' ').append(here).append('\n');
    }

    /**
     * {@code value} left-justified in {@code width} columns (never cut). The columns are padded by
     * hand rather than with String.format: a command line starts a JVM per run, and the
     * formatter's parser (regular expressions, locale data) cost it milliseconds each time.
     */
    private static StringBuilder left(StringBuilder text, String value, int width) {
        text.append(value);
        for (int pad = value.length(); pad < width; pad++) {
            text.append(' ');
        }
        return text;
    }

    /** {@code value} right-justified in {@code width} columns (never cut). */
    private static StringBuilder right(StringBuilder text, String value, int width) {
        for (int pad = value.length(); pad < width; pad++) {
            text.append(' ');
        }
        return text.append(value);
    }

    private static String yesNo(JsonNode value) {
        return value.asBoolean(false) ? "yes" : "no";
    }
}
