package io.lvsha.agent.balancer;

import io.lvsha.agent.director.DesiredState;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.agent.event.EventLog;
import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.peer.PeerFrameTypes;
import io.lvsha.vrrp.IpAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The operator's run-time word on single real servers: kept in a state file so that it outlives a
 * reload and a restart, and shared with the peer so that a takeover keeps it. The balancer's
 * worker thread calls everything but {@link #current()}.
 */
public final class RealServerControl {
    private final Path file;
    private final String node;
    private final EventLog events;
    private final Predicate<PeerFrame> toPeer;
    private volatile RealServerOverrides current = RealServerOverrides.NONE;

    /**
     * @param file where the set is kept (written whole, then renamed over the old one)
     * @param node this director's name: it signs the changes made here
     * @param toPeer thread-safe; false while the link is down (the set goes again when it comes up)
     */
    public RealServerControl(Path file, String node, EventLog events, Predicate<PeerFrame> toPeer) {
        this.file = file;
        this.node = node;
        this.events = events;
        this.toPeer = toPeer;
    }

    /** What the operator set, as it applies now. */
    public RealServerOverrides current() {
        return current;
    }

    /**
     * Reads the state file, if there is one. One that cannot be read is set aside (FILE.bad) with
     * an event, and the agent starts from the configuration alone: the peer's set, when the link
     * comes up, brings the operator's word back.
     */
    void load(DesiredState configured) {
        if (!Files.exists(file)) {
            return;
        }
        try {
            RealServerOverrides read = RealServerOverrides.decode(Files.readAllBytes(file));
            current = kept(read, configured, "the state file " + file);
            if (!current.modes().isEmpty()) {
                events.emit("real-servers-restored", "the operator's settings from " + file + ": " + current.modes(),
                        Map.of("file", file.toString(), "real_servers", describe(current)));
            }
        } catch (IOException | IllegalArgumentException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".bad");
            try {
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException moveFailed) {
                aside = file;
            }
            events.emit("real-servers-unreadable", file + " is unreadable (" + e.getMessage() + "); kept as " + aside
                    + ", starting from the configuration alone", Map.of("file", file.toString(), "error",
                    String.valueOf(e.getMessage())));
        }
    }

    /**
     * Sets one real server's mode. {@code address} is "ADDRESS" (when one server of the service has
     * it) or the endpoint as status shows it ("ADDRESS:PORT", "[V6]:PORT").
     *
     * @return the reply: the service, the real server, its mode, the set's version
     * @throws IllegalArgumentException naming what exists when the service or server does not
     * @throws IllegalStateException when the change cannot be kept (nothing changed then)
     */
    Map<String, Object> set(DesiredState configured, String service, String address, RealServerOverrides.Mode mode) {
        VirtualService named = configured.services().stream().filter(s -> s.name().equals(service)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no service '" + service + "'; configured: "
                        + configured.services().stream().map(VirtualService::name).toList()));
        RealServer server = realServer(named, address);
        RealServerOverrides next = current.with(service, server.endpoint(), mode, node);
        try {
            write(next);
        } catch (IOException e) {
            throw new IllegalStateException("cannot keep the change in " + file + " (" + e.getMessage()
                    + "); nothing changed: fix the directory (director.state-file) and try again", e);
        }
        current = next;
        boolean sent = toPeer.test(frame(next));
        String note = mode == RealServerOverrides.Mode.DRAIN ? " (weight 0: its connections go on, new ones go elsewhere)"
                : mode == RealServerOverrides.Mode.DISABLE ? " (out of the pool)"
                : server.enabled() ? " (back to the configuration)" : " (the configuration itself disables it: enabled: false)";
        events.emit("real-server-" + mode.done(), service + ": " + server.endpoint() + " " + mode.done() + " by the operator"
                + note + (sent ? "" : "; the peer learns it when the link is up"), Map.of("service", service,
                "real_server", server.endpoint(), "mode", mode.word(), "version", next.version(), "peer_told", sent));
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("service", service);
        reply.put("real_server", server.endpoint());
        reply.put("mode", mode.done());
        reply.put("configured_enabled", server.enabled());
        reply.put("peer_told", sent);
        reply.put("version", next.version());
        return reply;
    }

    private static RealServer realServer(VirtualService service, String address) {
        List<RealServer> matches = service.realServers().stream().filter(server -> server.endpoint().equals(address)
                || server.address().toString().equals(address) && !address.contains("]")).toList();
        if (matches.size() == 1) {
            return matches.get(0);
        }
        String known = service.realServers().stream().map(RealServer::endpoint).toList().toString();
        if (matches.isEmpty()) {
            try {
                IpAddress.parse(address.replaceAll("^\\[|](:\\d+)?$|:\\d+$", ""));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + address + "' is no address (ADDRESS or ADDRESS:PORT); "
                        + service.name() + " has " + known);
            }
            throw new IllegalArgumentException(service.name() + " has no real server " + address + "; it has " + known);
        }
        throw new IllegalArgumentException(service.name() + " has " + address + " on several ports; name one of " + known);
    }

    /**
     * The peer sent its set: ours gives way to it when it is newer (RealServerOverrides#yieldsTo),
     * and goes back to it when ours is (the peer missed a change, or our set when the link came up).
     */
    void fromPeer(PeerFrame frame, DesiredState configured) {
        RealServerOverrides peers;
        try {
            peers = RealServerOverrides.decode(frame.payload());
        } catch (IllegalArgumentException e) {
            events.emit("peer-frame-refused", "the peer's real-server settings are malformed (" + e.getMessage()
                    + "); ours are kept", Map.of("type", frame.type(), "error", String.valueOf(e.getMessage())));
            return;
        }
        if (!current.yieldsTo(peers)) {
            if (peers.yieldsTo(current)) {
                toPeer.test(frame(current));
            }
            return;
        }
        current = kept(peers, configured, "the peer's settings");
        try {
            write(current);
        } catch (IOException e) {
            events.emit("director-error", "cannot keep the peer's real-server settings in " + file + ": "
                    + e.getMessage() + " (they apply until a restart)", Map.of("file", file.toString(),
                    "error", String.valueOf(e.getMessage())));
        }
        events.emit("real-servers-adopted", "the operator's settings as " + peers.setBy() + " last changed them (version "
                + peers.version() + "): " + (current.modes().isEmpty() ? "none" : describe(current)),
                Map.of("set_by", peers.setBy(), "version", peers.version(), "real_servers", describe(current)));
    }

    /** The link is up: the peer gets our set, and adopts it if it is the newer. */
    void peerUp() {
        toPeer.test(frame(current));
    }

    /** A reload: settings on real servers the file no longer has are dropped, with an event. */
    void reconfigured(DesiredState configured) {
        RealServerOverrides kept = kept(current, configured, "the reloaded configuration");
        if (!kept.equals(current)) {
            current = kept;
            try {
                write(kept);
            } catch (IOException e) {
                events.emit("director-error", "cannot rewrite " + file + ": " + e.getMessage(),
                        Map.of("file", file.toString(), "error", String.valueOf(e.getMessage())));
            }
        }
    }

    private RealServerOverrides kept(RealServerOverrides overrides, DesiredState configured, String from) {
        List<String> dropped = overrides.dropped(configured);
        if (!dropped.isEmpty()) {
            events.emit("real-servers-dropped", "settings for real servers the configuration does not have, from "
                    + from + ", dropped: " + dropped, Map.of("real_servers", dropped));
        }
        return overrides.keptIn(configured);
    }

    private static List<String> describe(RealServerOverrides overrides) {
        return overrides.modes().entrySet().stream().map(e -> e.getKey().replace('|', ' ') + " " + e.getValue().done()).toList();
    }

    private static PeerFrame frame(RealServerOverrides overrides) {
        return new PeerFrame(PeerFrameTypes.REAL_SERVERS, overrides.encode());
    }

    /** Whole or not at all: a crash mid-write leaves the old file. */
    private void write(RealServerOverrides overrides) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path partial = parent.resolve(file.getFileName() + ".partial");
        try (var channel = java.nio.channels.FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(java.nio.ByteBuffer.wrap(overrides.encode()));
            channel.force(true);
        }
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
