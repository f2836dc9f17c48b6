package io.lvsha.agent.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.admin.AdminCommand;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
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
            reply.path("groups").fields().forEachRemaining(group -> each.append("group ").append(group.getKey()).append('\n')
                    .append(connections(group.getValue())).append("\n\n"));
            return each.toString().stripTrailing();
        }
        StringBuilder text = new StringBuilder(String.format("%-5s %-45s %-45s %-45s %-7s %s%n", "pro", "client", "virtual",
                "real server", "state", "timeout"));
        for (JsonNode entry : reply.path("connections")) {
            String protocol = switch (entry.path("protocol").asInt()) {
                case 6 -> "TCP";
                case 17 -> "UDP";
                case 132 -> "SCTP";
                default -> entry.path("protocol").asText();
            };
            String virtual = entry.has("fwmark") && entry.path("template").asBoolean()
                    ? "FWM " + entry.path("fwmark").asText() : entry.path("virtual").asText();
            text.append(String.format("%-5s %-45s %-45s %-45s %-7s %ss%n", entry.path("template").asBoolean() ? "IP" : protocol,
                    entry.path("client").asText(), virtual, entry.path("real_server").asText(), entry.path("state").asText(),
                    entry.path("timeout_s").asText()));
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
            text.append(String.format("service %s (%s, %s)%n", service.path("name").asText(), service.path("key").asText(),
                    service.path("scheduler").asText()));
            for (JsonNode real : service.path("real_servers")) {
                text.append(String.format("  %-22s %-9s %-9s weight %-4s %s%n", real.path("address").asText(),
                        real.path("health").asText(), real.path("operator").asText("-"), real.path("weight").asText(),
                        real.path("last_check").asText()));
            }
        }
        return text.toString().stripTrailing();
    }

    private static void group(StringBuilder text, String node, long uptimeSeconds, JsonNode s) {
        JsonNode priority = s.path("priority");
        text.append(String.format("node %s  group %s  role %s  priority %s (configured %s%s)  VRID %s v%s  advert %s ms  up %s s%n",
                node, s.path("group").asText(), s.path("role").asText(), priority.path("effective").asInt(),
                priority.path("configured").asInt(),
                priority.path("override").isNull() ? "" : ", set " + priority.path("override").asInt(),
                s.path("vrid").asInt(), s.path("vrrp_version").asInt(), s.path("advert_interval_ms").asInt(), uptimeSeconds));
        text.append(String.format("master %s (priority %s)  maintenance %s  holding %s%n",
                s.path("master").path("address").asText("unknown"), s.path("master").path("priority").asInt(),
                yesNo(s.path("maintenance")), yesNo(s.path("holding"))));
        text.append(String.format("%-10s %-10s %-5s %-5s %-12s %9s %9s  %-16s %s%n", "CHANNEL", "INTERFACE", "LINK", "LOST",
                "LAST ADVERT", "SENT", "RECEIVED", "SPEAKERS", "DROPPED"));
        for (JsonNode channel : s.path("channels")) {
            JsonNode age = channel.path("last_advert_age_ms");
            List<String> speakers = new ArrayList<>();
            channel.path("known_speakers").forEach(speaker -> speakers.add(speaker.asText()));
            text.append(String.format("%-10s %-10s %-5s %-5s %-12s %9s %9s  %-16s %s%n", channel.path("name").asText(),
                    channel.path("interface").asText(), channel.path("link").asText(), yesNo(channel.path("lost")),
                    age.isNull() ? "-" : age.asLong() + " ms ago", channel.path("sent").asLong(),
                    channel.path("received").asLong(), speakers.isEmpty() ? "any" : String.join(",", speakers),
                    channel.path("dropped").isEmpty() ? "-" : JsonTrees.write(channel.path("dropped"))));
        }
        text.append(String.format("%-22s %-10s %s%n", "VIP", "INTERFACE", "HERE"));
        for (JsonNode vip : s.path("vips")) {
            text.append(String.format("%-22s %-10s %s%n", vip.path("address").asText(), vip.path("interface").asText(),
                    yesNo(vip.path("here"))));
        }
        JsonNode peer = s.path("peer_link");
        if (peer.path("configured").asBoolean(false)) {
            text.append(String.format("peer link %s%s%n", peer.path("up").asBoolean() ? "up to " + peer.path("peer").asText()
                    : "down", peer.path("config_match").isBoolean() && !peer.path("config_match").asBoolean()
                    ? "  CONFIGURATION MISMATCH (see events)" : ""));
        }
        JsonNode sync = s.path("sync");
        if (sync.has("state")) {
            text.append(String.format("sync %s%s, %s connections%n", sync.path("state").asText(),
                    sync.path("behind").asLong() > 0 ? " (" + sync.path("behind").asLong() + " behind)" : "",
                    sync.path("connections").asLong()));
        }
        JsonNode last = s.path("last_transition");
        if (last.has("to")) {
            text.append(String.format("last transition %s: %s -> %s (%s)", last.path("time").asText(),
                    last.path("from").asText(), last.path("to").asText(), last.path("reason").asText()));
            if (last.has("takeover")) {
                text.append(" takeover ").append(JsonTrees.write(last.path("takeover")));
            }
            text.append('\n');
        }
    }

    private static String yesNo(JsonNode value) {
        return value.asBoolean(false) ? "yes" : "no";
    }
}
