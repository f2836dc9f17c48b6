package io.lvsha.agent.channel;

import io.lvsha.arp.EthernetFrames;
import io.lvsha.arp.LinkPort;
import io.lvsha.arp.MacAddress;
import io.lvsha.arp.MulticastMembership;
import io.lvsha.arp.RawIpSocket;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.AdvertCodec;
import io.lvsha.vrrp.AdvertRejectedException;
import io.lvsha.vrrp.DropReason;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.ReceiveFilter;
import io.lvsha.vrrp.ReceivedAdvert;
import io.lvsha.vrrp.Advertisement;
import io.lvsha.vrrp.VirtualRouterConfig;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One heartbeat channel on the wire: sends our adverts as multicast frames and hands valid
 * received adverts to the HA loop. Received frames are decoded and checked on the pcap thread, so
 * the loop only ever sees adverts that are for this group; drops are counted by reason.
 */
public final class HeartbeatChannel implements AutoCloseable {
    /** Where valid adverts go; called on the pcap thread. */
    @FunctionalInterface
    public interface AdvertSink {
        /** @param receivedNanos when the frame was captured ({@link System#nanoTime()}) */
        void accept(int channel, ReceivedAdvert advert, long receivedNanos);
    }

    /** Told, on the pcap thread, of the first advert of each source that is not a known speaker. */
    @FunctionalInterface
    public interface ForeignSpeakerSink {
        void first(int channel, ReceivedAdvert advert);
    }

    /**
     * Foreign sources told of one by one, at most: a flood from forged sources must neither grow
     * the set nor the event log without bound; past this they are only counted.
     */
    private static final int FOREIGN_SOURCES_REPORTED = 64;

    private static final IpAddress GROUP_V4 = IpAddress.parse("224.0.0.18");
    private static final IpAddress GROUP_V6 = IpAddress.parse("ff02::12");

    private final int index;
    private final String name;
    private final String iface;
    private final IpAddress source;
    private final IpAddress group;
    private final MacAddress mac;
    private final VirtualRouterConfig router;
    private final Advertisement[] advertByPriority = new Advertisement[Advertisement.PRIORITY_OWNER + 1];
    /** Replaced whole when a speaker is learned: read by the pcap thread. */
    private volatile ReceiveFilter filter;
    private final Set<IpAddress> configuredSpeakers;
    private final AdvertSink deliver;
    private final ForeignSpeakerSink foreignSpeakers;
    /** pcap thread only. */
    private final Set<IpAddress> foreignReported = new HashSet<>();
    private final DropCounters drops = new DropCounters();
    /** Reused for every advert: the length does not depend on the priority. HA loop only. */
    private final byte[] advertFrame;
    /** Unicast peers, or empty for multicast. */
    private final List<IpAddress> peers;
    /** Unicast adverts have no Ethernet header: the kernel adds it. HA loop only. */
    private final byte[] unicastDatagram;
    private RawIpSocket unicast;
    private LinkPort port;
    private MulticastMembership membership;
    private int ipIdentification;
    /** Written by the HA loop, read by metrics and status. */
    private volatile long sent;
    private volatile long received;
    private volatile long lastHeardNanos;

    /**
     * @param peers unicast destinations of our adverts, or empty for multicast; when given, also
     *     the only sources whose adverts count (until the peer link teaches one more)
     * @param deliver called on the pcap thread for each valid advert
     * @param foreignSpeakers called on the pcap thread for the first advert of each unknown source
     */
    public HeartbeatChannel(int index, String iface, IpAddress source, MacAddress mac, VirtualRouterConfig router,
                            List<IpAddress> peers, AdvertSink deliver, ForeignSpeakerSink foreignSpeakers) {
        this.peers = List.copyOf(peers);
        this.configuredSpeakers = Set.copyOf(peers);
        this.foreignSpeakers = foreignSpeakers;
        this.index = index;
        this.name = router.channels().get(index).name();
        this.iface = iface;
        this.source = source;
        this.mac = mac;
        this.router = router;
        this.group = router.family() == AddressFamily.IPV4 ? GROUP_V4 : GROUP_V6;
        this.filter = new ReceiveFilter(router, configuredSpeakers);
        this.deliver = deliver;
        this.advertFrame = new byte[EthernetFrames.HEADER_LENGTH
                + AdvertCodec.datagramLength(router.advertisement(router.priority()))];
        EthernetFrames.writeIpHeader(advertFrame, MacAddress.ofMulticastGroup(group.toBytes()), mac,
                router.family() == AddressFamily.IPV6);
        this.unicastDatagram = new byte[advertFrame.length - EthernetFrames.HEADER_LENGTH];
    }

    /**
     * Joins the VRRP group; {@code port} is the interface's handle, shared with the other groups'
     * channels there, which sends our adverts and hands us our frames ({@link ChannelReceivers}).
     * Done at start-up, never on the takeover path.
     */
    void open(LinkPort sharedPort) throws IOException {
        membership = MulticastMembership.join(iface, group);
        port = sharedPort;
        if (!peers.isEmpty()) {
            unicast = RawIpSocket.open(router.family(), iface);
        }
    }

    /** A frame the interface's handle captured for our family and VRID (or one no channel claims); pcap thread. */
    void offer(byte[] frame, long receivedNanos) {
        int offset = EthernetFrames.ipOffset(frame, frame.length);
        if (offset < 0) {
            drops.count(DropReason.NOT_VRRP);
            return;
        }
        try {
            ReceivedAdvert advert = AdvertCodec.decodeDatagram(frame, offset, frame.length - offset,
                    router.checksumMode());
            DropReason reason = filter.check(advert);
            if (reason != null) {
                drops.count(reason);
                if (reason == DropReason.FOREIGN_SPEAKER && foreignReported.size() < FOREIGN_SOURCES_REPORTED
                        && foreignReported.add(advert.source())) {
                    foreignSpeakers.first(index, advert);
                }
                return;
            }
            received++;
            lastHeardNanos = receivedNanos;
            deliver.accept(index, advert, receivedNanos);
        } catch (AdvertRejectedException e) {
            drops.count(e.reason());
        }
    }

    /**
     * The authenticated peer link told where the peer's adverts come from on this channel: from now
     * on only it (and the configured peers) may speak here. Any thread.
     */
    public void learnPeerSource(IpAddress peerSource) {
        if (peerSource.family() != router.family() || filter.knownSpeakers().contains(peerSource)) {
            return;
        }
        Set<IpAddress> speakers = new HashSet<>(configuredSpeakers);
        speakers.add(peerSource);
        filter = filter.withKnownSpeakers(speakers);
    }

    /** The sources whose adverts count here; empty when any source does (nothing configured or learned). */
    public Set<IpAddress> knownSpeakers() {
        return filter.knownSpeakers();
    }

    /**
     * Each priority's advert, made the first time it is sent: a master at 10 ms sends 100 a second,
     * and the advert path allocates nothing (with the codec's in-place checksums).
     */
    private Advertisement advertAt(int priority) {
        Advertisement advert = advertByPriority[priority];
        if (advert == null) {
            advert = router.advertisement(priority);
            advertByPriority[priority] = advert;
        }
        return advert;
    }

    /** Sends one advert at {@code priority}: multicast, or to each unicast peer. HA loop only. */
    public void sendAdvert(int priority) throws IOException {
        ipIdentification = (ipIdentification + 1) & 0xffff;
        if (peers.isEmpty()) {
            AdvertCodec.encodeDatagram(advertAt(priority), source, group, router.checksumMode(),
                    ipIdentification, advertFrame, EthernetFrames.HEADER_LENGTH);
            port.send(advertFrame);
        } else {
            // The v3 checksum covers the destination, so each peer gets its own encoding.
            for (IpAddress peer : peers) {
                int length = AdvertCodec.encodeDatagram(advertAt(priority), source, peer,
                        router.checksumMode(), ipIdentification, unicastDatagram, 0);
                unicast.send(unicastDatagram, length, peer);
            }
        }
        sent++;
    }

    /** Sends a frame built elsewhere (a gratuitous ARP on this channel's interface). */
    public void sendFrame(byte[] frame) throws IOException {
        port.send(frame);
    }

    /** The open port, shared with the VIP announcements on this interface. */
    public LinkPort port() {
        return port;
    }

    public int index() {
        return index;
    }

    public AddressFamily family() {
        return router.family();
    }

    public int vrid() {
        return router.vrid();
    }

    public String name() {
        return name;
    }

    public String iface() {
        return iface;
    }

    public List<IpAddress> peers() {
        return peers;
    }

    public IpAddress source() {
        return source;
    }

    public DropCounters drops() {
        return drops;
    }

    public long sent() {
        return sent;
    }

    public long received() {
        return received;
    }

    /** When the last valid advert arrived, or 0. */
    public long lastHeardNanos() {
        return lastHeardNanos;
    }

    /** Leaves the group; the shared handle is {@link ChannelReceivers}'s to close. */
    @Override
    public void close() throws IOException {
        if (unicast != null) {
            unicast.close();
        }
        if (membership != null) {
            membership.close();
        }
    }
}
