package io.lvsha.agent.group;

import io.lvsha.agent.balancer.Balancer;
import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.arp.ThreadScheduling;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The agent's end of the peer link: its key checked, its hello, its events handed to the HA loop. */
final class PeerLinkWiring {
    /** Below the advert receivers: the link carries the connection table. */
    private static final int PEER_LINK_PRIORITY = 15;

    /**
     * Starts the link to the other agent; its callbacks are handed to the HA loop.
     *
     * @param syncSource where this node's kernel sends sync datagrams from, or null without them
     * @param mirror this node's sync mirror, told the peer's sync source once it is known, or null
     * @param director the balancer, which shares the operator's real-server settings with the peer, or null
     */
    static PeerLink start(AgentConfig config, HaLoop loop, GroupController controller,
                         List<HeartbeatChannel> channels, IpAddress syncSource,
                         io.lvsha.state.sync.KernelSyncMirror mirror, Balancer director) throws IOException {
        AgentConfig.PeerLink settings = config.peerLink();
        refuseSharedKeyFile(settings.keyFile());
        byte[] key = java.nio.file.Files.readAllBytes(settings.keyFile());
        if (key.length < 16) {
            throw new IOException(settings.keyFile() + ": a peer-link key has at least 16 bytes; this one has " + key.length
                    + " (make one with: head -c 32 /dev/urandom > " + settings.keyFile() + ")");
        }
        String digest = config.sharedDigest();
        Map<String, IpAddress> advertSources = new LinkedHashMap<>();
        channels.forEach(channel -> advertSources.put(channel.name(), channel.source()));
        Hello own = new Hello(config.node(), Versions.AGENT, digest, advertSources, syncSource);
        PeerLink.Listener listener = new PeerLink.Listener() {
            @Override
            public void up(Hello peer) {
                // The link is authenticated: its word on where the peer's adverts come from is trusted.
                for (HeartbeatChannel channel : channels) {
                    IpAddress source = peer.advertSources().get(channel.name());
                    if (source != null) {
                        channel.learnPeerSource(source);
                    }
                }
                if (mirror != null && syncSource != null && peer.syncSource() != null) {
                    mirror.acceptOnlyFrom(Set.of(inetAddress(syncSource), inetAddress(peer.syncSource())));
                }
                loop.execute(() -> controller.peers().up(peer, digest));
                if (director != null) {
                    director.peerUp();
                }
            }

            @Override
            public void frame(PeerFrame frame) {
                if (director != null && frame.type() == PeerFrameTypes.REAL_SERVERS) {
                    director.onPeerRealServers(frame); // the director's business: the HA loop never sees it
                } else {
                    loop.execute(() -> controller.onPeerFrame(frame));
                }
            }

            @Override
            public void down(String why) {
                loop.execute(() -> controller.onPeerDown(why));
            }
        };
        Set<InetAddress> allowed = new HashSet<>();
        settings.allow().forEach(address -> allowed.add(inetAddress(address)));
        PeerLink link = settings.listen() != null ? PeerLink.listen(own, key, settings.listen(), allowed, listener)
                : PeerLink.connect(own, key, settings.connect(), listener);
        link.runOnLinkThread(() -> ThreadScheduling.makeCurrentThreadRealtime(PEER_LINK_PRIORITY, "the peer link runs"));
        loop.execute(() -> controller.peers().attach(link::send));
        return link;
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
