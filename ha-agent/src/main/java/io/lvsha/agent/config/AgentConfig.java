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
 * @param groups the failover groups (one with {@code group:}), each with its VIPs
 * @param garp when to announce the VIPs after a takeover
 * @param garpForm request or reply form of gratuitous ARP
 * @param eventFile where events are appended as JSON lines
 * @param admin the admin socket
 * @param prometheus where to serve Prometheus text exposition, or null (off)
 * @param peerLink the TCP link to the other director's agent, or null (none)
 * @param sync where the kernel's IPVS sync daemon talks, to mirror its connections, or null (none)
 * @param director the virtual services and the backend that programs them, or null (VIPs only)
 * @param hooks the agent-wide notify hooks (`notify:`) (run after the group's own)
 * @param syncGroups groups that change role together (keepalived's vrrp_sync_group), by name
 */
public record AgentConfig(Path source, String node, List<Group> groups,
                          AnnouncementSchedule.Plan garp, ArpForm garpForm, Path eventFile, Admin admin,
                          java.net.InetSocketAddress prometheus, PeerLink peerLink, Sync sync, Director director,
                          Notify hooks, List<List<String>> syncGroups) {

    /**
     * Programs to run after a role change (keepalived's notify_master/backup/fault/stop and
     * notify): each an argv list, run without a shell; {@code %g %r %p} become the group, the new
     * role and the priority. Absent ones are empty lists.
     *
     * @param timeoutNanos a hook still running then is killed with its children
     */
    public record Notify(List<String> master, List<String> backup, List<String> fault, List<String> stop,
                         List<String> any, long timeoutNanos) {
        public static final long DEFAULT_TIMEOUT_NANOS = 10_000_000_000L;
        public static final Notify NONE = new Notify(List.of(), List.of(), List.of(), List.of(), List.of(),
                DEFAULT_TIMEOUT_NANOS);

        /** The hooks for a change to {@code role} (master, backup, fault or stop), in order: its own, then {@code any}. */
        public List<List<String>> commandsFor(String role) {
            List<String> own = switch (role) {
                case "master" -> master;
                case "backup" -> backup;
                case "fault" -> fault;
                case "stop" -> stop;
                default -> throw new IllegalArgumentException("no notify hook for role " + role);
            };
            return java.util.stream.Stream.of(own, any).filter(command -> !command.isEmpty()).toList();
        }
    }

    /**
     * @param backend the {@link io.lvsha.agent.director.DirectorBackendProvider} name
     * @param markTool how the ipvs backend writes marking rules: nftables or iptables
     * @param desired the services as configured
     * @param maxConnections the replicated table's bound: entries beyond it are refused and counted
     * @param exportIntervalMillis how often a backend without a kernel sync daemon (nftables) hands
     *     its connections to the peer link while master
     * @param stateFile where the operator's run-time settings on real servers are kept (drained, disabled)
     * @param commitOrder when a takeover installs the replicated connections
     */
    public record Director(String backend, String markTool, io.lvsha.agent.director.DesiredState desired,
                           long exportIntervalMillis, int maxConnections, Path stateFile, CommitOrder commitOrder) {
    }

    /** When a takeover installs the replicated connections (DESIGN.md §5). */
    public enum CommitOrder {
        /** After the GARP where every service schedules by a hash of the flow (sh, dh, mh), else before the VIPs. */
        AUTO("auto"),
        /** Always before the VIPs: the GARP waits for the commit (nftables: 66 ms for 10 000 entries, measured). */
        BEFORE_VIPS("before-vips");

        private final String word;

        CommitOrder(String word) {
            this.word = word;
        }

        /** @return the order written so, or null */
        public static CommitOrder named(String word) {
            for (CommitOrder order : values()) {
                if (order.word.equals(word)) {
                    return order;
                }
            }
            return null;
        }
    }

    /**
     * The kernel sync daemon's multicast (ipvsadm --start-daemon ... --mcast-interface IF --syncid N).
     *
     * @param syncid 0 takes every sender, as the kernel's backup does
     * @param maxlen the master kernel's largest datagram (--sync-maxlen), or null for the kernel's
     *     own (1472); a small one was measured to lose more than it gains (README)
     */
    public record Sync(String iface, String group, int port, int syncid, Integer maxlen) {
    }

    /**
     * The link between the two agents: one listens, the other connects.
     *
     * @param listen where to accept the peer, or null
     * @param connect where the peer listens, or null
     * @param keyFile the shared key (at least 16 bytes), the same file on both directors
     * @param allow the only addresses the peer may connect from (listening side); empty for any
     */
    public record PeerLink(java.net.InetSocketAddress listen, java.net.InetSocketAddress connect, Path keyFile,
                           List<IpAddress> allow) {
    }

    /**
     * A digest of what both directors must configure alike (VRID, version, interval, VIPs,
     * checksum, authentication, GARP schedule, virtual services), compared over the peer link. Interface names and
     * priorities are left out: they differ between directors by design.
     */
    public String sharedDigest() {
        StringBuilder shared = new StringBuilder().append(garp).append('|').append(syncGroups);
        for (Group group : groups) {
            shared.append('|').append(group.name()).append('|').append(group.vrid()).append('|').append(group.version())
                    .append('|').append(group.adverIntervalCentis()).append('|').append(group.checksum()).append('|')
                    .append(group.auth().type());
            group.vips().stream().map(vip -> vip.address().toString()).sorted().forEach(vip -> shared.append('|').append(vip));
        }
        if (director != null) {
            // Both directors must balance alike: after a failover the same clients go to the same pools.
            shared.append('|').append(director.backend()).append('|').append(director.desired().services());
        }
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(shared.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(hash, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * @param socket the Unix socket's path
     * @param group a group whose members may use the socket besides root, or null
     * @param switchoverHoldNanos how long a master that handed over does not preempt back
     */
    public record Admin(Path socket, String group, long switchoverHoldNanos) {
    }

    /**
     * A failover group: one VRRP virtual router carried on one or more channels, and the VIPs that
     * move with its mastership.
     *
     * @param name how events, status, metrics, commands and hooks ({@code %g}) call it
     * @param hooks the group's notify hooks (`group.notify:`)
     * @param vips the floating addresses, public and private, all of one family
     */
    public record Group(String name, VrrpVersion version, int vrid, int priority, int adverIntervalCentis, boolean preempt,
                        long preemptDelayNanos, boolean accept, ChecksumMode checksum, V2Authentication auth,
                        List<Channel> channels, Tracking track, Notify hooks, List<Vip> vips) {
        /** The VIPs carried in adverts: all of them, which are of the group's one family. */
        public List<IpAddress> advertisedAddresses() {
            return vips.stream().map(vip -> vip.address().address()).toList();
        }
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

    /**
     * What moves the priority besides an operator (group.track): interfaces, scripts, files and
     * services, summed into one adjustment.
     */
    public record Tracking(List<Track> interfaces, List<TrackScript> scripts, List<TrackFile> files,
                           List<TrackService> services) {
        public static final Tracking NONE = new Tracking(List.of(), List.of(), List.of(), List.of());
    }

    /**
     * keepalived's vrrp_script: a program run every {@code intervalNanos}; it fails after {@code fall}
     * failures in a row and recovers after {@code rise} successes. A negative weight applies while it
     * fails, a positive one while it succeeds.
     */
    public record TrackScript(List<String> command, long intervalNanos, long timeoutNanos, int weight, int rise, int fall) {
    }

    /** keepalived's track_file: the integer in {@code file}, times {@code weight}, is added to the priority. */
    public record TrackFile(Path file, int weight) {
    }

    /** {@code weight} (negative) applies while the named service has no real server that takes new connections. */
    public record TrackService(String service, int weight) {
    }

    /** An interface whose link going down lowers our priority by {@code weight} (negative). */
    public record Track(String iface, int weight) {
    }

    /** A floating address and the interface it lives on. */
    public record Vip(InterfaceAddress address, String iface) {
    }

    /** The group named {@code name}, or null. */
    public Group group(String name) {
        return groups.stream().filter(group -> group.name().equals(name)).findFirst().orElse(null);
    }

    /** Every group's VIPs. */
    public List<Vip> allVips() {
        return groups.stream().flatMap(group -> group.vips().stream()).toList();
    }
}
