package io.lvsha.arp;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One netlink socket of a given family (rtnetlink, netfilter), opened in the network namespace of
 * the thread that creates it: the plumbing that {@link AddressManager} and the conntrack client of
 * the nftables backend share. Messages are built and parsed by its users; this class only moves
 * datagrams and says why a receive failed.
 *
 * <p>Not thread-safe: one owner at a time (a receive may run beside a close).
 */
public final class NetlinkSocket implements AutoCloseable {
    /** Netlink families used here ({@code linux/netlink.h}). */
    public static final int NETLINK_ROUTE = 0;
    public static final int NETLINK_NETFILTER = 12;
    /** Netlink message header bytes, and the control message types every family shares. */
    public static final int HEADER = 16;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int NLM_F_REQUEST = 0x1;
    public static final int NLM_F_MULTI = 0x2;
    public static final int NLM_F_ACK = 0x4;
    public static final int NLM_F_EXCL = 0x200;
    public static final int NLM_F_CREATE = 0x400;
    public static final int NLM_F_DUMP = 0x300;
    private static final int SO_RCVBUF = 8;
    private static final int SO_RCVBUFFORCE = 33;
    private static final int ENOBUFS = 105;
    private static final int EAGAIN = 11;

    /** The kernel dropped messages for this socket because its receive buffer was full. */
    public static final class OverrunException extends IOException {
        OverrunException() {
            super("netlink receive buffer overrun: the kernel dropped messages (ENOBUFS)");
        }
    }

    private final int fd;
    private volatile boolean closed;

    /**
     * @param family {@link #NETLINK_ROUTE} or {@link #NETLINK_NETFILTER}
     * @param groups multicast groups to join, as the {@code nl_groups} bitmask (0 for none)
     * @param receiveTimeoutMillis how long a receive waits before it returns empty
     */
    public NetlinkSocket(int family, int groups, long receiveTimeoutMillis) throws IOException {
        try {
            fd = LibC.INSTANCE.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, family);
        } catch (LastErrorException e) {
            throw new IOException("cannot open a netlink socket (family " + family + "): errno " + e.getErrorCode(), e);
        }
        try {
            ByteBuffer sockaddr = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
            sockaddr.putShort((short) LibC.AF_NETLINK).putShort((short) 0).putInt(0).putInt(groups);
            LibC.INSTANCE.bind(fd, sockaddr.array(), 12);
            ByteBuffer timeout = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
            timeout.putLong(receiveTimeoutMillis / 1000).putLong(receiveTimeoutMillis % 1000 * 1000);
            LibC.INSTANCE.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, timeout.array(), 16);
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            throw new IOException("cannot bind a netlink socket (family " + family + ", groups " + groups
                    + "): errno " + e.getErrorCode(), e);
        }
    }

    /**
     * Asks for a receive buffer of {@code bytes}: above the system's {@code rmem_max} when the
     * process may (CAP_NET_ADMIN), else as much as it allows.
     */
    public void receiveBuffer(int bytes) {
        byte[] value = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(bytes).array();
        try {
            LibC.INSTANCE.setsockopt(fd, LibC.SOL_SOCKET, SO_RCVBUFFORCE, value, 4);
        } catch (LastErrorException notPermitted) {
            LibC.INSTANCE.setsockopt(fd, LibC.SOL_SOCKET, SO_RCVBUF, value, 4);
        }
    }

    /**
     * The port id the kernel gave this socket: the sender of its requests, which the kernel writes
     * into the header of every event those requests cause.
     */
    public int portId() throws IOException {
        byte[] address = new byte[12];
        try {
            LibC.INSTANCE.getsockname(fd, address, new int[] {address.length});
        } catch (LastErrorException e) {
            throw new IOException("cannot read a netlink socket's address: errno " + e.getErrorCode(), e);
        }
        return ByteBuffer.wrap(address).order(ByteOrder.nativeOrder()).getInt(4);
    }

    /** A message header in the host's byte order, positioned after it; the caller adds the body. */
    public static ByteBuffer message(int length, int type, int flags, int sequence) {
        ByteBuffer message = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        message.putInt(length).putShort((short) type).putShort((short) flags).putInt(sequence).putInt(0);
        return message;
    }

    /** Sends {@code length} bytes of {@code datagram} (one or more messages) to the kernel. */
    public void send(byte[] datagram, int length) throws IOException {
        if (closed) {
            throw new IOException("netlink socket is closed");
        }
        try {
            LibC.INSTANCE.send(fd, datagram, length, 0);
        } catch (LastErrorException e) {
            throw new IOException("netlink send failed: errno " + e.getErrorCode(), e);
        }
    }

    /**
     * Receives one datagram into {@code buffer}.
     *
     * @return the bytes received, 0 when the receive timeout passed first
     * @throws OverrunException when the kernel dropped messages since the last receive
     */
    public int receive(byte[] buffer) throws IOException {
        if (closed) {
            throw new IOException("netlink socket is closed");
        }
        try {
            return (int) LibC.INSTANCE.recv(fd, buffer, buffer.length, 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOBUFS) {
                throw new OverrunException();
            }
            if (e.getErrorCode() == EAGAIN) {
                return 0;
            }
            throw new IOException("netlink receive failed: errno " + e.getErrorCode(), e);
        }
    }

    public static int align(int length) {
        return (length + 3) & ~3;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
        }
    }
}
