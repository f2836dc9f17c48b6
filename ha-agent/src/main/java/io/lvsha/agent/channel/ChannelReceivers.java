package io.lvsha.agent.channel;

import io.lvsha.arp.EthernetFrames;
import io.lvsha.arp.LinkPort;
import io.lvsha.vrrp.AddressFamily;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One pcap receive handle per interface, shared by every group's channel on it: a frame is handed
 * to the channel of its family and VRID, read from the VRRP header before any check. A frame no
 * channel claims (another VRID, or too short to say) goes to every channel of its family on the
 * interface, which drops and counts it as each did with a handle of its own. Opened at start-up.
 */
public final class ChannelReceivers implements AutoCloseable {
    private static final int IPV6_HEADER_LENGTH = 40;

    /** The channels on one interface; filled before the handle opens, read on its pcap thread only. */
    private static final class Interface {
        final Map<Integer, HeartbeatChannel> byFamilyAndVrid = new HashMap<>();
        final List<HeartbeatChannel> ipv4 = new ArrayList<>();
        final List<HeartbeatChannel> ipv6 = new ArrayList<>();
        LinkPort port;

        void dispatch(byte[] frame, long receivedNanos) {
            int ip = EthernetFrames.ipOffset(frame, frame.length);
            if (ip < 0 || ip >= frame.length) {
                everyone(ipv4.isEmpty() ? ipv6 : ipv4, frame, receivedNanos);
                return;
            }
            boolean v6 = (frame[ip] & 0xf0) == 0x60;
            int vrrp = v6 ? ip + IPV6_HEADER_LENGTH : ip + (frame[ip] & 0x0f) * 4;
            HeartbeatChannel channel = vrrp + 1 < frame.length ? byFamilyAndVrid.get(key(v6, frame[vrrp + 1] & 0xff)) : null;
            if (channel != null) {
                channel.offer(frame, receivedNanos);
            } else {
                everyone(v6 ? ipv6 : ipv4, frame, receivedNanos);
            }
        }

        private static void everyone(List<HeartbeatChannel> channels, byte[] frame, long receivedNanos) {
            for (HeartbeatChannel channel : channels) {
                channel.offer(frame, receivedNanos);
            }
        }
    }

    private final Map<String, Interface> interfaces = new LinkedHashMap<>();

    private static int key(boolean v6, int vrid) {
        return (v6 ? 256 : 0) + vrid;
    }

    /** Adds a channel before {@link #open}; its family and VRID are unique on its interface (the config checks). */
    public void add(HeartbeatChannel channel) {
        Interface on = interfaces.computeIfAbsent(channel.iface(), name -> new Interface());
        boolean v6 = channel.family() == AddressFamily.IPV6;
        on.byFamilyAndVrid.put(key(v6, channel.vrid()), channel);
        (v6 ? on.ipv6 : on.ipv4).add(channel);
    }

    /**
     * Opens each interface's handle, its receive thread under SCHED_FIFO at {@code priority}, and
     * gives every channel on it the handle to send through.
     */
    public void open(int priority) throws IOException {
        for (Map.Entry<String, Interface> entry : interfaces.entrySet()) {
            Interface on = entry.getValue();
            List<String> protocols = new ArrayList<>();
            if (!on.ipv4.isEmpty()) {
                protocols.add("ip proto 112");
            }
            if (!on.ipv6.isEmpty()) {
                protocols.add("ip6 proto 112");
            }
            on.port = LinkPort.openRealtime(entry.getKey(), String.join(" or ", protocols), priority, on::dispatch);
            for (HeartbeatChannel channel : on.ipv4) {
                channel.open(on.port);
            }
            for (HeartbeatChannel channel : on.ipv6) {
                channel.open(on.port);
            }
        }
    }

    /** The open handle of {@code iface}, or null when no channel is on it. */
    public LinkPort port(String iface) {
        Interface on = interfaces.get(iface);
        return on == null ? null : on.port;
    }

    @Override
    public void close() {
        for (Interface on : interfaces.values()) {
            if (on.port != null) {
                on.port.close();
            }
        }
    }
}
