package io.lvsha.agent.balancer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lvsha.agent.director.DesiredState;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.VirtualService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the operator set at run time on single real servers (piranha's (DE)ACTIVATE), over what
 * the file says: drained (weight 0: its connections go on, new ones go elsewhere) or disabled
 * (out of the pool). Pure and immutable; the same JSON is the state file and the peer frame.
 *
 * <p>Both directors hold the same set. Each change takes the next version; a set from the peer
 * replaces ours when its version is higher, or equal and set by a node whose name sorts higher
 * (changes made on both sides while the link was down), so both ends settle on one set whatever
 * order the frames cross in, without trusting either clock.
 *
 * @param modes per "service|endpoint", the operator's mode
 * @param setBy the node whose change made this version ("" before any)
 */
public record RealServerOverrides(long version, String setBy, Map<String, Mode> modes) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final RealServerOverrides NONE = new RealServerOverrides(0, "", Map.of());

    /** What the operator asks of a real server. */
    public enum Mode {
        DRAIN("drain", "drained"),
        DISABLE("disable", "disabled"),
        /** Back to what the file says: not kept, it removes the override. */
        ENABLE("enable", "enabled");

        private final String word;
        private final String done;

        Mode(String word, String done) {
            this.word = word;
            this.done = done;
        }

        public String word() {
            return word;
        }

        /** "drained", "disabled", "enabled": for events and status. */
        public String done() {
            return done;
        }

        /** @throws IllegalArgumentException for a word that names no mode */
        public static Mode named(String word) {
            for (Mode mode : values()) {
                if (mode.word.equals(word)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("a real server is set to drain, disable or enable, not '" + word + "'");
        }
    }

    public RealServerOverrides {
        modes = Map.copyOf(new TreeMap<>(modes));
    }

    static String key(String service, String endpoint) {
        return service + "|" + endpoint;
    }

    /** The operator's mode for this real server, or null when the file's word stands. */
    public Mode modeOf(String service, String endpoint) {
        return modes.get(key(service, endpoint));
    }

    /** The next version, with {@code mode} set on one real server by {@code node}. */
    public RealServerOverrides with(String service, String endpoint, Mode mode, String node) {
        Map<String, Mode> next = new TreeMap<>(modes);
        if (mode == Mode.ENABLE) {
            next.remove(key(service, endpoint));
        } else {
            next.put(key(service, endpoint), mode);
        }
        return new RealServerOverrides(version + 1, node, next);
    }

    /** Whether the peer's set is to replace this one (see the class comment). */
    public boolean yieldsTo(RealServerOverrides peer) {
        return peer.version > version || peer.version == version && peer.setBy.compareTo(setBy) > 0;
    }

    /** The same set without the real servers {@code configured} does not have; {@link #dropped} names them. */
    public RealServerOverrides keptIn(DesiredState configured) {
        Map<String, Mode> kept = new TreeMap<>(modes);
        kept.keySet().retainAll(configuredKeys(configured));
        return new RealServerOverrides(version, setBy, kept);
    }

    /** The "service|endpoint" keys of this set that {@code configured} does not have. */
    public List<String> dropped(DesiredState configured) {
        List<String> dropped = new ArrayList<>(modes.keySet());
        dropped.removeAll(configuredKeys(configured));
        return dropped;
    }

    private static List<String> configuredKeys(DesiredState configured) {
        List<String> keys = new ArrayList<>();
        for (VirtualService service : configured.services()) {
            service.realServers().forEach(server -> keys.add(key(service.name(), server.endpoint())));
        }
        return keys;
    }

    /** The configured services as the operator wants them: drained ones at weight 0, disabled ones out. */
    public DesiredState applyTo(DesiredState configured) {
        if (modes.isEmpty()) {
            return configured;
        }
        List<VirtualService> services = new ArrayList<>();
        for (VirtualService service : configured.services()) {
            List<RealServer> pool = new ArrayList<>();
            for (RealServer server : service.realServers()) {
                Mode mode = modeOf(service.name(), server.endpoint());
                pool.add(mode == Mode.DRAIN ? server.withWeight(0)
                        : mode == Mode.DISABLE ? new RealServer(server.address(), server.port(), server.weight(), false)
                        : server);
            }
            services.add(service.withRealServers(pool));
        }
        return new DesiredState(services, configured.ownTable());
    }

    /** The state file's and the peer frame's form. */
    public byte[] encode() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", version);
        root.put("set_by", setBy);
        ArrayNode servers = root.putArray("real_servers");
        modes.forEach((key, mode) -> {
            int bar = key.indexOf('|');
            servers.addObject().put("service", key.substring(0, bar)).put("real_server", key.substring(bar + 1))
                    .put("mode", mode.word());
        });
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always encodes", e);
        }
    }

    /** @throws IllegalArgumentException when {@code bytes} is not a set this class encoded */
    public static RealServerOverrides decode(byte[] bytes) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.path("version").canConvertToLong() || root.path("version").asLong() < 0
                || !root.path("set_by").isTextual() || !root.path("real_servers").isArray()) {
            throw new IllegalArgumentException("expected {\"version\": N, \"set_by\": NODE, \"real_servers\": [...]}");
        }
        Map<String, Mode> modes = new TreeMap<>();
        for (JsonNode server : root.path("real_servers")) {
            if (!server.path("service").isTextual() || !server.path("real_server").isTextual()) {
                throw new IllegalArgumentException("a real server's entry has \"service\" and \"real_server\": " + server);
            }
            Mode mode = Mode.named(server.path("mode").asText());
            if (mode == Mode.ENABLE) {
                throw new IllegalArgumentException("'enable' is never stored: " + server);
            }
            modes.put(key(server.path("service").asText(), server.path("real_server").asText()), mode);
        }
        return new RealServerOverrides(root.path("version").asLong(), root.path("set_by").asText(), modes);
    }
}
