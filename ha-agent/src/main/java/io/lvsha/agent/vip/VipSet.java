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
 */
public final class VipSet {
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
    private final List<LinkPort> ports = new ArrayList<>();
    private final List<byte[]> announcements = new ArrayList<>();
    private long announcementsSent;
    private long announcementFailures;

    /**
     * @param portsByInterface an open port for every VIP interface
     * @param macs the MAC of every VIP interface
     */
    public VipSet(List<AgentConfig.Vip> vips, AddressManager addresses, ArpForm form,
                  Map<String, LinkPort> portsByInterface, Map<String, MacAddress> macs) {
        this.vips = List.copyOf(vips);
        this.addresses = addresses;
        for (AgentConfig.Vip vip : vips) {
            MacAddress mac = macs.get(vip.iface());
            ports.add(portsByInterface.get(vip.iface()));
            announcements.add(vip.address().address().family() == AddressFamily.IPV4
                    ? EthernetFrames.gratuitousArp(mac, vip.address().address(), form)
                    : EthernetFrames.unsolicitedNeighborAdvert(mac, vip.address().address(), true));
        }
    }

    /** Adds every VIP; one that cannot be added is reported and the others still are. */
    public List<Change> addAll() {
        return changeAll(true);
    }

    /** Removes every VIP that is present. */
    public List<Change> removeAll() {
        return changeAll(false);
    }

    private List<Change> changeAll(boolean add) {
        List<Change> changes = new ArrayList<>(vips.size());
        for (AgentConfig.Vip vip : vips) {
            try {
                AddressManager.Outcome outcome = add ? addresses.add(vip.iface(), vip.address())
                        : addresses.remove(vip.iface(), vip.address());
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
                try {
                    ports.get(i).send(announcements.get(i));
                    sent++;
                } catch (IOException e) {
                    announcementFailures++;
                }
            }
        }
        announcementsSent += sent;
        return sent;
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

    public long announcementsSent() {
        return announcementsSent;
    }

    public long announcementFailures() {
        return announcementFailures;
    }
}
