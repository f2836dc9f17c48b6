package io.lvsha.agent.vip;

import io.lvsha.agent.config.AgentConfig;
import io.lvsha.arp.AddressManager;
import io.lvsha.arp.ArpForm;
import io.lvsha.arp.EthernetFrames;
import io.lvsha.arp.LinkPort;
import io.lvsha.arp.MacAddress;
import io.lvsha.vrrp.AddressFamily;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The floating addresses of the group: added on takeover, removed on release, announced with
 * gratuitous ARP / unsolicited NA. Every announcement frame is built at start-up, so the takeover
 * path only hands prebuilt bytes to libpcap. HA loop only.
 *
 * <p>Each VIP is added with a kernel lifetime that the master renews every second: if the agent
 * dies, its kernel drops the VIPs by itself within the lifetime, instead of answering ARP for them
 * beside the new master until someone restarts it (keepalived leaves them too).
 */
public final class VipSet {
    /** The shortest lifetime: HA-loop stalls of a few seconds must not let a live master's VIPs go. */
    static final int MIN_LIFETIME_SECONDS = 5;
    /**
     * The outcome of one VIP change, for the event log.
     *
     * @param added whether it was an add (else a remove)
     * @param changed whether the kernel's addresses changed (false: it was already so, or failed)
     * @param error why it failed, or null
     */
    public record Change(AgentConfig.Vip vip, boolean added, boolean changed, String error) {
    }

    private final List<AgentConfig.Vip> vips;
    private final AddressManager addresses;
    private final int lifetimeSeconds;
    private final List<LinkPort> ports = new ArrayList<>();
    private final List<byte[]> announcements = new ArrayList<>();
    /** Written on the HA loop, read by the metrics thread. */
    private volatile long announcementFailures;

    /**
     * @param portsByInterface an open port for every VIP interface
     * @param macs the MAC of every VIP interface
     * @param lifetimeSeconds the kernel lifetime each VIP gets and every renewal restores (see {@link #lifetimeSeconds})
     */
    public VipSet(List<AgentConfig.Vip> vips, AddressManager addresses, ArpForm form,
                  Map<String, LinkPort> portsByInterface, Map<String, MacAddress> macs, int lifetimeSeconds) {
        this.vips = List.copyOf(vips);
        this.addresses = addresses;
        this.lifetimeSeconds = lifetimeSeconds;
        for (AgentConfig.Vip vip : vips) {
            MacAddress mac = macs.get(vip.iface());
            ports.add(portsByInterface.get(vip.iface()));
            announcements.add(vip.address().address().family() == AddressFamily.IPV4
                    ? EthernetFrames.gratuitousArp(mac, vip.address().address(), form)
                    : EthernetFrames.unsolicitedNeighborAdvert(mac, vip.address().address(), true));
        }
    }

    /**
     * The lifetime for adverts every {@code adverIntervalNanos}: twice the longest
     * Master_Down_Interval (4 intervals), at least {@value #MIN_LIFETIME_SECONDS} s. A master
     * stalled that long has been replaced by its backup already.
     */
    public static int lifetimeSeconds(long adverIntervalNanos) {
        return (int) Math.max(MIN_LIFETIME_SECONDS, (8 * adverIntervalNanos + 999_999_999L) / 1_000_000_000L);
    }

    /**
     * Adds every VIP, or renews its lifetime where it is there already (in place: neither the
     * address nor its routes flap); one that cannot be added is reported and the others still are.
     * A change that says {@code changed} added a VIP that was not there.
     */
    public List<Change> addAll() {
        return changeAll(true, false);
    }

    /** As {@link #addAll}, each VIP announced once right after it is added (a takeover's first GARP). */
    public List<Change> addAllAnnouncing() {
        return changeAll(true, true);
    }

    public int lifetimeSeconds() {
        return lifetimeSeconds;
    }

    /** Removes every VIP that is present. */
    public List<Change> removeAll() {
        return changeAll(false, false);
    }

    private List<Change> changeAll(boolean add, boolean announce) {
        List<Change> changes = new ArrayList<>(vips.size());
        for (int i = 0; i < vips.size(); i++) {
            AgentConfig.Vip vip = vips.get(i);
            try {
                AddressManager.Outcome outcome = add ? addresses.addFor(vip.iface(), vip.address(), lifetimeSeconds)
                        : addresses.remove(vip.iface(), vip.address());
                if (announce) {
                    announceOne(i);
                }
                changes.add(new Change(vip, add, outcome == AddressManager.Outcome.CHANGED, null));
            } catch (IOException e) {
                changes.add(new Change(vip, add, false, e.getMessage()));
            }
        }
        return changes;
    }

    /** Sends {@code perVip} announcements for every VIP, back to back. @return how many were sent */
    public int announce(int perVip) {
        int sent = 0;
        for (int round = 0; round < perVip; round++) {
            for (int i = 0; i < announcements.size(); i++) {
                sent += announceOne(i);
            }
        }
        return sent;
    }

    /** @return 1 if VIP {@code i}'s announcement went out, 0 if it failed (counted) */
    private int announceOne(int i) {
        try {
            ports.get(i).send(announcements.get(i));
            return 1;
        } catch (IOException e) {
            announcementFailures++;
            return 0;
        }
    }

    /** For each VIP, whether it is on its interface now (asked of the kernel). */
    public List<Boolean> present() {
        List<Boolean> present = new ArrayList<>(vips.size());
        for (AgentConfig.Vip vip : vips) {
            try {
                present.add(addresses.has(vip.iface(), vip.address().address()));
            } catch (IOException e) {
                present.add(false);
            }
        }
        return present;
    }

    public List<AgentConfig.Vip> vips() {
        return vips;
    }

    public long announcementFailures() {
        return announcementFailures;
    }
}
