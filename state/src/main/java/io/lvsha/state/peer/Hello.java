package io.lvsha.state.peer;

import io.lvsha.vrrp.IpAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The first frame each side sends on an authenticated link: who it is, what it runs, and a digest
 * of the configuration both must share (services, VIPs): piranha's documentation warns that
 * mismatched configurations break failover, so a mismatch is worth an event. It also says where the
 * sender's adverts come from on each heartbeat channel (by channel name), and its kernel's sync
 * datagrams ({@code syncSource}, null without a sync daemon): the only sources the receiver then
 * accepts there. A hello of an agent that predates them has neither.
 */
public record Hello(String node, String version, String configDigest, Map<String, IpAddress> advertSources,
                    IpAddress syncSource) {
    /** Frame type of a hello. */
    public static final int TYPE = PeerFrameTypes.HELLO;

    public Hello {
        for (String field : new String[] {node, version, configDigest}) {
            if (field == null || field.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("hello fields are single lines");
            }
        }
        for (String channel : advertSources.keySet()) {
            if (channel.isEmpty() || channel.chars().anyMatch(c -> c == '=' || c == ',' || c == '\n')) {
                throw new IllegalArgumentException("a channel name in a hello has no '=', ',' or line break: " + channel);
            }
        }
        advertSources = Map.copyOf(advertSources);
    }

    public Hello(String node, String version, String configDigest) {
        this(node, version, configDigest, Map.of(), null);
    }

    public PeerFrame toFrame() {
        String sources = advertSources.entrySet().stream().map(source -> source.getKey() + "=" + source.getValue())
                .collect(Collectors.joining(","));
        return new PeerFrame(TYPE, (node + "\n" + version + "\n" + configDigest + "\n" + sources + "\n"
                + (syncSource == null ? "" : syncSource)).getBytes(StandardCharsets.UTF_8));
    }

    /** @throws IllegalArgumentException if the frame is not a well-formed hello */
    public static Hello fromFrame(PeerFrame frame) {
        String[] fields = new String(frame.payload(), StandardCharsets.UTF_8).split("\n", -1);
        if (frame.type() != TYPE || fields.length < 3 || fields.length > 5) {
            throw new IllegalArgumentException("not a hello frame");
        }
        Map<String, IpAddress> sources = new LinkedHashMap<>();
        if (fields.length >= 4 && !fields[3].isEmpty()) {
            for (String source : fields[3].split(",", -1)) {
                int equals = source.indexOf('=');
                if (equals <= 0) {
                    throw new IllegalArgumentException("a hello's advert source is CHANNEL=ADDRESS, not " + source);
                }
                sources.put(source.substring(0, equals), IpAddress.parse(source.substring(equals + 1)));
            }
        }
        IpAddress syncSource = fields.length == 5 && !fields[4].isEmpty() ? IpAddress.parse(fields[4]) : null;
        return new Hello(fields[0], fields[1], fields[2], sources, syncSource);
    }
}
