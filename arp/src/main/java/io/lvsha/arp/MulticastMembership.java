package io.lvsha.arp;

import io.lvsha.vrrp.IpAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;

/**
 * Joins a multicast group on an interface so that the NIC accepts the group's frames.
 *
 * <p>pcap captures what the NIC hands up, and a NIC not in promiscuous mode filters multicast it
 * has not been told about. A UDP socket that joins 224.0.0.18 (or ff02::12) programs that filter
 * through the kernel, as keepalived's raw socket does; the socket itself never receives anything,
 * because VRRP is not UDP.
 */
public final class MulticastMembership implements AutoCloseable {
    private final DatagramChannel channel;

    private MulticastMembership(DatagramChannel channel) {
        this.channel = channel;
    }

    public static MulticastMembership join(String interfaceName, IpAddress group) throws IOException {
        NetworkInterface nif = NetworkInterface.getByName(interfaceName);
        if (nif == null) {
            throw new IOException("no interface named '" + interfaceName + "'");
        }
        InetAddress groupAddress = InetAddress.getByAddress(group.toBytes());
        DatagramChannel channel = DatagramChannel.open(group.family() == io.lvsha.vrrp.AddressFamily.IPV4
                ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        try {
            channel.join(groupAddress, nif);
            return new MulticastMembership(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw new IOException("cannot join " + group + " on " + interfaceName + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
