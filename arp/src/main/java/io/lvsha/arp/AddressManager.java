package io.lvsha.arp;

import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Adds, removes and lists addresses on interfaces through rtnetlink: what {@code ip addr add/del/show}
 * does, without forking a process on the takeover path (a fork costs milliseconds, one netlink
 * round trip tens of microseconds). The socket is opened once, in the network namespace of the
 * thread that creates this object.
 *
 * <p>IPv6 addresses are added with {@code nodad}: a VIP that moves between directors must be usable
 * at once, not after a second of duplicate address detection (keepalived does the same).
 *
 * <p>Thread-safe: requests are serialised.
 */
public final class AddressManager implements AutoCloseable {
    private static final int NLMSG_HEADER = NetlinkSocket.HEADER;
    private static final int NLMSG_ERROR = NetlinkSocket.NLMSG_ERROR;
    private static final int NLMSG_DONE = NetlinkSocket.NLMSG_DONE;
    private static final int RTM_NEWLINK = 16;
    private static final int RTM_GETLINK = 18;
    private static final int RTM_NEWADDR = 20;
    private static final int RTM_DELADDR = 21;
    private static final int RTM_GETADDR = 22;
    private static final int NLM_F_ACK = NetlinkSocket.NLM_F_ACK;
    private static final int NLM_F_EXCL = NetlinkSocket.NLM_F_EXCL;
    private static final int NLM_F_CREATE = NetlinkSocket.NLM_F_CREATE;
    private static final int NLM_F_DUMP = NetlinkSocket.NLM_F_DUMP;
    private static final int IFA_ADDRESS = 1;
    private static final int IFA_LOCAL = 2;
    private static final int IFA_F_NODAD = 0x02;
    private static final int IFA_CACHEINFO = 6;
    private static final int NLM_F_REPLACE = 0x100;
    private static final int IFLA_IFNAME = 3;
    private static final int ENODEV = 19;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int EEXIST = 17;
    private static final int EADDRNOTAVAIL = 99;
    private static final int RECEIVE_TIMEOUT_MILLIS = 2000;

    /** What a change did. */
    public enum Outcome {
        CHANGED,
        ALREADY_SO
    }

    private final NetlinkSocket socket;
    private final byte[] receiveBuffer = new byte[64 * 1024];
    private final java.util.Map<String, Integer> indexes = new java.util.HashMap<>();
    private int sequence;

    /** Opens a NETLINK_ROUTE socket in the current thread's network namespace. */
    public AddressManager() throws IOException {
        socket = new NetlinkSocket(NetlinkSocket.NETLINK_ROUTE, 0, RECEIVE_TIMEOUT_MILLIS);
    }

    /** Adds {@code address} to {@code interfaceName}, for good; an address already there is left as it is. */
    public synchronized Outcome add(String interfaceName, InterfaceAddress address) throws IOException {
        return addFor(interfaceName, address, 0);
    }

    /**
     * Adds {@code address} to {@code interfaceName} with a kernel lifetime: the kernel removes it
     * by itself {@code lifetimeSeconds} from now (valid and preferred alike) unless renewed. An
     * address already there gets the new lifetime in place (NLM_F_REPLACE: no delete, so neither
     * it nor its routes flap).
     *
     * @param lifetimeSeconds 0 for no lifetime (the address stays until removed)
     * @return {@link Outcome#CHANGED} if the address was not there (it had expired, or never was)
     */
    public synchronized Outcome addFor(String interfaceName, InterfaceAddress address, int lifetimeSeconds)
            throws IOException {
        int error = requestWithFreshIndex(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, interfaceName, address,
                lifetimeSeconds);
        if (error == -EEXIST) {
            if (lifetimeSeconds > 0) {
                check(request(RTM_NEWADDR, NLM_F_ACK | NLM_F_REPLACE, interfaceName, address, lifetimeSeconds),
                        "renew " + address + " on " + interfaceName);
            }
            return Outcome.ALREADY_SO;
        }
        check(error, "add " + address + " to " + interfaceName);
        return Outcome.CHANGED;
    }

    /** Removes {@code address} from {@code interfaceName}; an address not there is not an error. */
    public synchronized Outcome remove(String interfaceName, InterfaceAddress address) throws IOException {
        int error = requestWithFreshIndex(RTM_DELADDR, NLM_F_ACK, interfaceName, address, 0);
        if (error == -EADDRNOTAVAIL) {
            return Outcome.ALREADY_SO;
        }
        check(error, "remove " + address + " from " + interfaceName);
        return Outcome.CHANGED;
    }

    /** Whether {@code address} (any prefix length) is configured on {@code interfaceName}. */
    public boolean has(String interfaceName, IpAddress address) throws IOException {
        return list(interfaceName).stream().anyMatch(a -> a.address().equals(address));
    }

    /** Every address on {@code interfaceName}, both families. */
    public synchronized List<InterfaceAddress> list(String interfaceName) throws IOException {
        int index = indexOf(interfaceName);
        int seq = ++sequence;
        ByteBuffer message = header(NLMSG_HEADER + 8, RTM_GETADDR, NLM_F_DUMP, seq);
        message.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).putInt(0);
        send(message);
        List<InterfaceAddress> found = new ArrayList<>();
        replies(seq, (type, payload, end) -> {
            if (type == NLMSG_DONE) {
                return found;
            }
            if (type == NLMSG_ERROR) {
                check(payload.getInt(), "list addresses of " + interfaceName);
            } else if (type == RTM_NEWADDR) {
                readAddress(payload, end, index, found);
            }
            return null;
        });
        return found;
    }

    /** Handles one reply message; returns non-null to end the wait. */
    @FunctionalInterface
    private interface ReplyHandler<T> {
        /**
         * @param payload positioned after the message header
         * @param end where this message ends in {@code payload}
         */
        T handle(int type, ByteBuffer payload, int end) throws IOException;
    }

    /**
     * Reads reply datagrams, passing every message of request {@code seq} to {@code handler} until it
     * returns a result. Messages of other requests (none are in flight; this is defensive) are skipped.
     */
    private <T> T replies(int seq, ReplyHandler<T> handler) throws IOException {
        while (true) {
            ByteBuffer in = receive();
            while (in.remaining() >= NLMSG_HEADER) {
                int start = in.position();
                int length = in.getInt();
                int type = in.getShort() & 0xffff;
                in.getShort();
                int messageSeq = in.getInt();
                in.getInt();
                if (length < NLMSG_HEADER || start + length > in.limit()) {
                    throw new IOException("malformed netlink reply");
                }
                if (messageSeq == seq) {
                    T result = handler.handle(type, in, start + length);
                    if (result != null) {
                        return result;
                    }
                }
                in.position(Math.min(in.limit(), start + align(length)));
            }
        }
    }

    private static void readAddress(ByteBuffer in, int end, int wantedIndex, List<InterfaceAddress> found) {
        int family = in.get() & 0xff;
        int prefix = in.get() & 0xff;
        in.get();
        in.get();
        int index = in.getInt();
        if (index != wantedIndex) {
            return;
        }
        AddressFamily addressFamily = family == AF_INET ? AddressFamily.IPV4 : AddressFamily.IPV6;
        byte[] local = null;
        byte[] address = null;
        while (in.position() + 4 <= end) {
            int attrStart = in.position();
            int attrLength = in.getShort() & 0xffff;
            int attrType = in.getShort() & 0xffff;
            if (attrLength < 4 || attrStart + attrLength > end) {
                return;
            }
            if ((attrType == IFA_LOCAL || attrType == IFA_ADDRESS) && attrLength - 4 == addressFamily.addressLength()) {
                byte[] value = new byte[attrLength - 4];
                in.get(value);
                if (attrType == IFA_LOCAL) {
                    local = value;
                } else {
                    address = value;
                }
            }
            in.position(attrStart + align(attrLength));
        }
        // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links.
        byte[] own = local != null ? local : address;
        if (own != null) {
            found.add(new InterfaceAddress(IpAddress.of(own), prefix));
        }
    }

    /** An interface re-created since we cached its index has a new one: look it up once more. */
    private int requestWithFreshIndex(int type, int flags, String interfaceName, InterfaceAddress address,
                                      int lifetimeSeconds) throws IOException {
        int error = request(type, flags, interfaceName, address, lifetimeSeconds);
        if (error == -ENODEV) {
            indexes.remove(interfaceName);
            error = request(type, flags, interfaceName, address, lifetimeSeconds);
        }
        return error;
    }

    /** @param lifetimeSeconds with IFA_CACHEINFO (preferred = valid) when over 0 */
    private int request(int type, int flags, String interfaceName, InterfaceAddress address, int lifetimeSeconds)
            throws IOException {
        int index = indexOf(interfaceName);
        IpAddress ip = address.address();
        boolean v6 = ip.family() == AddressFamily.IPV6;
        int attrLength = 4 + ip.family().addressLength();
        int cacheInfoLength = lifetimeSeconds > 0 ? 4 + 16 : 0;
        int seq = ++sequence;
        ByteBuffer message = header(NLMSG_HEADER + 8 + 2 * align(attrLength) + cacheInfoLength, type, flags, seq);
        message.put((byte) (v6 ? AF_INET6 : AF_INET)).put((byte) address.prefixLength())
                .put((byte) (v6 ? IFA_F_NODAD : 0)).put((byte) 0).putInt(index);
        for (int attrType : new int[] {IFA_LOCAL, IFA_ADDRESS}) {
            message.putShort((short) attrLength).putShort((short) attrType).put(ip.toBytes());
            message.position(message.position() + align(attrLength) - attrLength);
        }
        if (lifetimeSeconds > 0) {
            // struct ifa_cacheinfo: ifa_prefered, ifa_valid, cstamp, tstamp (the last two are the kernel's)
            message.putShort((short) cacheInfoLength).putShort((short) IFA_CACHEINFO)
                    .putInt(lifetimeSeconds).putInt(lifetimeSeconds).putInt(0).putInt(0);
        }
        send(message);
        return awaitAck(seq);
    }

    /** @return the request's error code: 0 for success, a negative errno otherwise */
    private int awaitAck(int seq) throws IOException {
        return replies(seq, (type, payload, end) -> type == NLMSG_ERROR ? payload.getInt() : null);
    }

    private static ByteBuffer header(int length, int type, int flags, int seq) {
        return NetlinkSocket.message(length, type, NetlinkSocket.NLM_F_REQUEST | flags, seq);
    }

    private void send(ByteBuffer message) throws IOException {
        socket.send(message.array(), message.capacity());
    }

    private ByteBuffer receive() throws IOException {
        int received = socket.receive(receiveBuffer);
        if (received == 0) {
            throw new IOException("no answer from the kernel's rtnetlink in " + RECEIVE_TIMEOUT_MILLIS + " ms");
        }
        return ByteBuffer.wrap(Arrays.copyOf(receiveBuffer, received)).order(ByteOrder.nativeOrder());
    }

    /**
     * The interface's index in the namespace of our socket (not of the calling thread, which
     * {@code if_nametoindex} would use), cached.
     */
    private int indexOf(String interfaceName) throws IOException {
        Integer cached = indexes.get(interfaceName);
        if (cached != null) {
            return cached;
        }
        byte[] name = (interfaceName + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int attrLength = 4 + name.length;
        int seq = ++sequence;
        ByteBuffer message = header(NLMSG_HEADER + 16 + align(attrLength), RTM_GETLINK, 0, seq);
        message.putInt(0).putInt(0).putInt(0).putInt(0);
        message.putShort((short) attrLength).putShort((short) IFLA_IFNAME).put(name);
        send(message);
        int index = replies(seq, (type, payload, end) -> {
            if (type == NLMSG_ERROR) {
                int error = payload.getInt();
                throw new IOException(error == -ENODEV ? "no interface named '" + interfaceName + "'"
                        : "cannot look up interface '" + interfaceName + "': errno " + -error);
            }
            if (type != RTM_NEWLINK) {
                return null;
            }
            payload.getInt(); // ifi_family, pad, ifi_type
            return payload.getInt();
        });
        indexes.put(interfaceName, index);
        return index;
    }

    private static void check(int error, String what) throws IOException {
        if (error != 0) {
            throw new IOException("cannot " + what + ": errno " + -error);
        }
    }

    private static int align(int length) {
        return NetlinkSocket.align(length);
    }

    @Override
    public synchronized void close() {
        socket.close();
    }
}
