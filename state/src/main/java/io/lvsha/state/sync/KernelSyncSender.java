package io.lvsha.state.sync;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;

/**
 * Hands connections to a kernel's IPVS backup sync daemon in its own v1 format, as its master
 * would: one multicast datagram per {@code maxLen} bytes (at most 255 entries), TTL 1, looped
 * back so that this host's own daemon gets them too. The kernel installs what it receives:
 * this is how a backup's kernel is given what its master's lossy multicast did not deliver.
 */
public final class KernelSyncSender implements AutoCloseable {
    private final DatagramChannel channel;
    private final InetSocketAddress group;
    private final int syncid;
    private final int maxLen;

    private KernelSyncSender(DatagramChannel channel, InetSocketAddress group, int syncid, int maxLen) {
        this.channel = channel;
        this.group = group;
        this.syncid = syncid;
        this.maxLen = maxLen;
    }

    /** Opens the socket in the calling thread's network namespace. */
    public static KernelSyncSender open(String multicastGroup, int port, String iface, int syncid) throws IOException {
        NetworkInterface nif = NetworkInterface.getByName(iface);
        if (nif == null) {
            throw new IOException("no interface " + iface + " to send sync messages on");
        }
        DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            channel.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif);
            channel.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1);
            channel.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            int mtu = nif.getMTU() > 0 ? nif.getMTU() : 1500;
            return new KernelSyncSender(channel, new InetSocketAddress(InetAddress.getByName(multicastGroup), port), syncid,
                    Math.min(SyncCodec.DEFAULT_MAXLEN, mtu - 28));
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /** @return how many datagrams it took */
    public int send(List<ConnectionRecord> connections) throws IOException {
        List<byte[]> datagrams = SyncCodec.encodeV1(syncid, connections, maxLen);
        for (byte[] datagram : datagrams) {
            channel.send(ByteBuffer.wrap(datagram), group);
        }
        return datagrams.size();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
