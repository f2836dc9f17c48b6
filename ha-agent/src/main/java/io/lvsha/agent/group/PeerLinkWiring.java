package io.lvsha.agent.group;

import io.lvsha.agent.balancer.Balancer;
import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.arp.ThreadScheduling;
import io.lvsha.state.peer.GroupFrames;
import io.lvsha.state.peer.Hello;
import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.peer.PeerFrameTypes;
import io.lvsha.state.peer.PeerLink;
import io.lvsha.vrrp.IpAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's end of the peer link: its key checked, its hello, its events handed to the HA loop.
 * One link serves every group: an agent of several puts each group's frames in an envelope that
 * names the group ({@link GroupFrames}), an agent of one sends them bare, as it always did.
 */
final class PeerLinkWiring {
    private static final Logger LOG = LoggerFactory.getLogger(PeerLinkWiring.class);
    /** Below the advert receivers: the link carries the connection table. */
    private static final int PEER_LINK_PRIORITY = 15;

    /**
     * Starts the link to the other agent; its callbacks are handed to the HA loop.
     *
     * @param events the agent's events: the link's own ({@code peer-link-up}, ...) are the agent's, not a group's
     * @param syncSource where this node's kernel sends sync datagrams from, or null without them
     * @param mirror this node's sync mirror, told the peer's sync source once it is known, or null
     * @param director the balancer, which shares the operator's real-server settings with the peer, or null
     * @param droppedFrames counts the frames of no group of ours (the config-mismatch event says why)
     */
    static PeerLink start(AgentConfig config, EventLog events, HaLoop loop, List<RunningGroup> groups, IpAddress syncSource,
                         io.lvsha.state.sync.KernelSyncMirror mirror, Balancer director, AtomicLong droppedFrames) throws IOException {
        AgentConfig.PeerLink settings = config.peerLink();
        refuseSharedKeyFile(settings.keyFile());
        byte[] key = java.nio.file.Files.readAllBytes(settings.keyFile());
        if (key.length < 16) {
            throw new IOException(settings.keyFile() + ": a peer-link key has at least 16 bytes; this one has " + key.length
                    + " (make one with: head -c 32 /dev/urandom > " + settings.keyFile() + ")");
        }
        String digest = config.sharedDigest();
        boolean tagged = groups.size() > 1;
        Map<String, IpAddress> advertSources = new LinkedHashMap<>();
        Map<String, GroupController> byName = new HashMap<>();
        for (RunningGroup group : groups) {
            group.channels().forEach(channel -> advertSources.put(sourceKey(tagged, group, channel), channel.source()));
            byName.put(group.name(), group.controller());
        }
        Hello own = new Hello(config.node(), Versions.AGENT, digest, advertSources, syncSource);
        PeerLink.Listener listener = new PeerLink.Listener() {
            private volatile String peerNode = "peer";

            @Override
            public void up(Hello peer) {
                peerNode = peer.node();
                // The link is authenticated: its word on where the peer's adverts come from is trusted.
                for (RunningGroup group : groups) {
                    for (HeartbeatChannel channel : group.channels()) {
                        IpAddress source = peer.advertSources().get(sourceKey(tagged, group, channel));
                        if (source != null) {
                            channel.learnPeerSource(source);
                        }
                    }
                }
                if (mirror != null && syncSource != null && peer.syncSource() != null) {
                    mirror.acceptOnlyFrom(Set.of(inetAddress(syncSource), inetAddress(peer.syncSource())));
                }
                boolean matches = peer.configDigest().equals(digest);
                events.emit("peer-link-up", peer.node() + " (" + peer.version() + ")",
                        Map.of("peer", peer.node(), "version", peer.version()));
                if (!matches) {
                    events.emit("config-mismatch", peer.node() + " runs another shared configuration (digest "
                            + peer.configDigest() + ", ours " + digest + "): failover may break; compare the groups' VRIDs,"
                            + " versions, intervals and VIPs, the GARP settings and the services", Map.of("peer", peer.node(),
                            "peer_digest", peer.configDigest(), "digest", digest));
                }
                loop.execute(() -> groups.forEach(group -> group.controller().peers().up(peer, matches)));
                if (director != null) {
                    director.peerUp();
                }
            }

            @Override
            public void frame(PeerFrame frame) {
                if (director != null && frame.type() == PeerFrameTypes.REAL_SERVERS) {
                    director.onPeerRealServers(frame); // the director's business: the HA loop never sees it
                    return;
                }
                GroupController controller;
                PeerFrame inner = frame;
                if (!tagged && frame.type() != PeerFrameTypes.GROUP) {
                    controller = groups.get(0).controller();
                } else if (tagged && frame.type() == PeerFrameTypes.GROUP) {
                    GroupFrames.Tagged unwrapped;
                    try {
                        unwrapped = GroupFrames.unwrap(frame);
                    } catch (IllegalArgumentException malformed) {
                        drop(frame, malformed.getMessage());
                        return;
                    }
                    controller = byName.get(unwrapped.group());
                    inner = unwrapped.frame();
                    if (controller == null) {
                        drop(frame, "it is of group '" + unwrapped.group() + "', none of ours");
                        return;
                    }
                } else {
                    drop(frame, tagged ? "it names no group, and we run several" : "it names a group, and we run one");
                    return;
                }
                PeerFrame forGroup = inner;
                loop.execute(() -> controller.onPeerFrame(forGroup));
            }

            private void drop(PeerFrame frame, String why) {
                if (droppedFrames.getAndIncrement() == 0) {
                    LOG.warn("dropped a frame from the peer ({}): {}; compare both directors' groups", frame, why);
                }
            }

            @Override
            public void down(String why) {
                events.emit("peer-link-down", peerNode + ": " + why, Map.of("peer", peerNode, "why", why));
                loop.execute(() -> groups.forEach(group -> group.controller().onPeerDown()));
            }
        };
        Set<InetAddress> allowed = new HashSet<>();
        settings.allow().forEach(address -> allowed.add(inetAddress(address)));
        PeerLink link = settings.listen() != null ? PeerLink.listen(own, key, settings.listen(), allowed, listener)
                : PeerLink.connect(own, key, settings.connect(), listener);
        link.runOnLinkThread(() -> ThreadScheduling.makeCurrentThreadRealtime(PEER_LINK_PRIORITY, "the peer link runs"));
        for (RunningGroup group : groups) {
            Predicate<PeerFrame> sender = groupSender(link::send, tagged, group.name());
            loop.execute(() -> group.controller().peers().attach(sender));
        }
        return link;
    }

    /** What puts a frame of {@code group} on {@code link}: in the group's envelope when several groups share it ({@code tagged}). */
    static Predicate<PeerFrame> groupSender(Predicate<PeerFrame> link, boolean tagged, String group) {
        return tagged ? frame -> link.test(GroupFrames.wrap(group, frame)) : link;
    }

    /** How the hello names a channel: by its name, or with several groups by the group's and its own. */
    private static String sourceKey(boolean tagged, RunningGroup group, HeartbeatChannel channel) {
        return tagged ? group.name() + "/" + channel.name() : channel.name();
    }

    private static InetAddress inetAddress(IpAddress address) {
        try {
            return InetAddress.getByAddress(address.toBytes());
        } catch (java.net.UnknownHostException impossible) {
            throw new IllegalStateException("an IpAddress has 4 or 16 bytes", impossible);
        }
    }

    /** As ssh does with a private key: a key others can read is no secret, and the link's authentication is void. */
    private static void refuseSharedKeyFile(Path keyFile) throws IOException {
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(keyFile);
        if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)
                || mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException("peer-link.key-file " + keyFile + " is open to group or others (mode "
                    + PosixFilePermissions.toString(mode) + "): the key would be no secret; chmod 600 " + keyFile);
        }
    }

    private PeerLinkWiring() {
    }
}
