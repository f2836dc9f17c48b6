package io.lvsha.arp;

import com.sun.jna.LastErrorException;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Sends whole IP datagrams (our own header, TTL 255) to unicast peers through the kernel, which
 * routes and resolves the next hop: what pcap cannot do without a MAC address. An
 * {@code IPPROTO_RAW} socket implies a header included by the caller and never receives, so
 * adverts still arrive through the channel's {@link LinkPort}. Bound to the channel's interface.
 * Thread-safe for sending.
 */
public final class RawIpSocket implements AutoCloseable {
    private final int fd;
    private final AddressFamily family;
    private final int interfaceIndex;
    private volatile boolean closed;

    private RawIpSocket(int fd, AddressFamily family, int interfaceIndex) {
        this.fd = fd;
        this.family = family;
        this.interfaceIndex = interfaceIndex;
    }

    /** Opens a send-only raw socket for {@code family}, bound to {@code iface}. */
    public static RawIpSocket open(AddressFamily family, String iface) throws IOException {
        int fd;
        try {
            fd = LibC.INSTANCE.socket(family == AddressFamily.IPV4 ? LibC.AF_INET : LibC.AF_INET6,
                    LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, LibC.IPPROTO_RAW);
        } catch (LastErrorException e) {
            throw new IOException("cannot open a raw socket (errno " + e.getErrorCode() + "; needs CAP_NET_RAW)", e);
        }
        try {
            byte[] name = (iface + "\0").getBytes(StandardCharsets.US_ASCII);
            LibC.INSTANCE.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_BINDTODEVICE, name, name.length);
            return new RawIpSocket(fd, family, Interfaces.index(iface));
        } catch (LastErrorException | IOException e) {
            LibC.INSTANCE.close(fd);
            throw new IOException("cannot bind a raw socket to " + iface + ": " + e.getMessage(), e);
        }
    }

    /** Sends {@code length} bytes of an IP datagram (header included) to {@code destination}. */
    public void send(byte[] datagram, int length, IpAddress destination) throws IOException {
        if (closed) {
            throw new IOException("raw socket closed");
        }
        byte[] address = sockaddr(destination);
        try {
            LibC.INSTANCE.sendto(fd, datagram, length, 0, address, address.length);
        } catch (LastErrorException e) {
            throw new IOException("send to " + destination + " failed: errno " + e.getErrorCode(), e);
        }
    }

    private byte[] sockaddr(IpAddress destination) {
        if (family == AddressFamily.IPV4) {
            ByteBuffer sin = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
            sin.putShort((short) LibC.AF_INET).putShort((short) 0).put(destination.toBytes());
            return sin.array();
        }
        // sockaddr_in6: a link-local destination needs the interface as its scope.
        ByteBuffer sin6 = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder());
        sin6.putShort((short) LibC.AF_INET6).putShort((short) 0).putInt(0).put(destination.toBytes())
                .putInt(destination.isIpv6LinkLocal() ? interfaceIndex : 0);
        return sin6.array();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
        }
    }
}
