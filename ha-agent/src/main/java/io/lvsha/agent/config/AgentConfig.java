package io.lvsha.agent.config;

import io.lvsha.arp.AnnouncementSchedule;
import io.lvsha.arp.ArpForm;
import io.lvsha.arp.InterfaceAddress;
import io.lvsha.vrrp.ChecksumMode;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.V2Authentication;
import io.lvsha.vrrp.VrrpVersion;
import java.nio.file.Path;
import java.util.List;

/**
 * One node's validated configuration. Built only by {@link ConfigLoader}; every value here has
 * passed {@link ConfigValidator}.
 *
 * @param source the file it was read from
 * @param node this director's name in events and logs
 * @param group the failover group
 * @param vips the floating addresses, public and private, that move with mastership
 * @param garp when to announce the VIPs after a takeover
 * @param garpForm request or reply form of gratuitous ARP
 * @param eventFile where events are appended as JSON lines
 * @param admin the admin socket
 * @param prometheus where to serve Prometheus text exposition, or null (off)
 */
public record AgentConfig(Path source, String node, Group group, List<Vip> vips,
                          AnnouncementSchedule.Plan garp, ArpForm garpForm, Path eventFile, Admin admin,
                          java.net.InetSocketAddress prometheus) {

    /**
     * @param socket the Unix socket's path
     * @param group a group whose members may use the socket besides root, or null
     * @param switchoverHoldNanos how long a master that handed over does not preempt back
     */
    public record Admin(Path socket, String group, long switchoverHoldNanos) {
    }

    /** The failover group: one VRRP virtual router carried on one or more channels. */
    public record Group(VrrpVersion version, int vrid, int priority, int adverIntervalCentis, boolean preempt,
                        long preemptDelayNanos, boolean accept, ChecksumMode checksum, V2Authentication auth,
                        List<Channel> channels, List<Track> tracks) {
    }

    /**
     * A heartbeat channel.
     *
     * @param source the advert source address; {@code null} = the interface's first address of the
     *     group's family (IPv6: its link-local address)
     * @param peers unicast destinations for our adverts; empty = multicast (224.0.0.18 / ff02::12)
     */
    public record Channel(String name, String iface, IpAddress source, List<IpAddress> peers) {
        public Channel {
            peers = List.copyOf(peers);
        }
    }

    /** An interface whose link going down lowers our priority by {@code weight} (negative). */
    public record Track(String iface, int weight) {
    }

    /** A floating address and the interface it lives on. */
    public record Vip(InterfaceAddress address, String iface) {
    }

    /** The VIPs carried in adverts: all of them, which are of the group's one family. */
    public List<IpAddress> advertisedAddresses() {
        return vips.stream().map(vip -> vip.address().address()).toList();
    }
}
