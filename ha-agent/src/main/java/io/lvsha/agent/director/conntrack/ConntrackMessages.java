package io.lvsha.agent.director.conntrack;

import io.lvsha.arp.NetlinkSocket;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The ctnetlink wire format ({@code linux/netfilter/nfnetlink_conntrack.h}): conntrack events and
 * dump replies decoded into {@link Flow}s, and the create and dump requests. Pure: bytes in, values
 * out. It checks only that a message is well-formed ctnetlink; which flows matter is
 * {@link ConntrackEntries}' business.
 *
 * <p>Attribute headers are in the host's byte order; addresses, ports, status and timeout inside
 * them in network order, as the kernel's {@code nla_put_be*} writes them.
 */
public final class ConntrackMessages {
    public static final int SUBSYS_CTNETLINK = 1;
    public static final int MSG_NEW = SUBSYS_CTNETLINK << 8;
    public static final int MSG_GET = (SUBSYS_CTNETLINK << 8) | 1;
    public static final int MSG_DELETE = (SUBSYS_CTNETLINK << 8) | 2;
    /** nl_groups bits of NFNLGRP_CONNTRACK_NEW, _UPDATE, _DESTROY (groups 1, 2, 3). */
    public static final int GROUPS_NEW_UPDATE_DESTROY = 0b111;
    /** NFNLGRP_CONNTRACK_NEW alone: flows as they appear. */
    public static final int GROUP_NEW = 0b001;

    private static final int CTA_TUPLE_ORIG = 1;
    private static final int CTA_TUPLE_REPLY = 2;
    private static final int CTA_STATUS = 3;
    private static final int CTA_PROTOINFO = 4;
    private static final int CTA_NAT_SRC = 6;
    private static final int CTA_TIMEOUT = 7;
    private static final int CTA_NAT_DST = 13;
    /** When the kernel raised the event, in ns of CLOCK_REALTIME (kernel 6.x, with nf_conntrack_timestamp on). */
    private static final int CTA_TIMESTAMP_EVENT = 27;
    private static final int CTA_TUPLE_IP = 1;
    private static final int CTA_TUPLE_PROTO = 2;
    private static final int CTA_IP_V4_SRC = 1;
    private static final int CTA_IP_V4_DST = 2;
    private static final int CTA_IP_V6_SRC = 3;
    private static final int CTA_IP_V6_DST = 4;
    private static final int CTA_PROTO_NUM = 1;
    private static final int CTA_PROTO_SRC_PORT = 2;
    private static final int CTA_PROTO_DST_PORT = 3;
    private static final int CTA_PROTOINFO_TCP = 1;
    private static final int CTA_PROTOINFO_TCP_STATE = 1;
    private static final int CTA_NAT_V4_MINIP = 1;
    private static final int CTA_NAT_V4_MAXIP = 2;
    private static final int CTA_NAT_PROTO = 3;
    private static final int CTA_NAT_V6_MINIP = 4;
    private static final int CTA_NAT_V6_MAXIP = 5;
    private static final int CTA_PROTONAT_PORT_MIN = 1;
    private static final int CTA_PROTONAT_PORT_MAX = 2;
    private static final int NLMSG_NOOP = 1;
    private static final int NLA_F_NESTED = 0x8000;
    private static final int NLA_TYPE_MASK = 0x3fff;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    /** IPS_* status bits ({@code linux/netfilter/nf_conntrack_common.h}). */
    public static final int IPS_SEEN_REPLY = 1 << 1;
    public static final int IPS_ASSURED = 1 << 2;
    /** A created entry is confirmed before its status is set: a status without this bit is refused (EBUSY). */
    public static final int IPS_CONFIRMED = 1 << 3;
    public static final int IPS_SRC_NAT = 1 << 4;
    public static final int IPS_DST_NAT = 1 << 5;

    /** One direction of a flow as conntrack keys it. */
    public record Tuple(IpAddress source, int sourcePort, IpAddress destination, int destinationPort) {
        public Tuple inverse() {
            return new Tuple(destination, destinationPort, source, sourcePort);
        }
    }

    /**
     * A conntrack entry: both tuples (the reply one with NAT applied), the IPS_* status, the
     * seconds left, the TCP state in conntrack's numbering (0 otherwise) and, in an event, when the
     * kernel raised it in ns of CLOCK_REALTIME (for a NEW event: the flow's first packet; 0 unless
     * {@code net.netfilter.nf_conntrack_timestamp} is on).
     */
    public record Flow(int protocol, Tuple original, Tuple reply, int status, int timeoutSeconds, int tcpState,
                long eventRealtimeNanos) {
    }

    /** What a message says: a flow appeared, changed or ended; a dump ended; a request failed. */
    public enum Kind { NEW, UPDATE, DESTROY, DONE, ERROR }

    /**
     * One decoded message. For {@link Kind#ERROR}, {@code error} is the negative errno (0 is an
     * acknowledgement) and {@code sequence} the request's; {@code flow} is null unless a flow came.
     * {@code portId} is the header's: in an event, the netlink socket whose request caused it (0
     * when the kernel's own traffic did).
     */
    public record Message(Kind kind, Flow flow, int error, int sequence, int portId) {
    }

    /** Room a create or delete needs at most (two IPv6 tuples, NAT, status, timeout, TCP state: under 300 bytes). */
    private static final int MAX_REQUEST = 512;

    private ConntrackMessages() {
    }

    /**
     * Every message in one datagram the kernel sent. A message that is not well-formed ctnetlink is
     * left out and counted in {@code malformed}; the rest of the datagram is still read.
     */
    public static List<Message> decode(byte[] datagram, int length, int[] malformed) {
        ByteBuffer in = ByteBuffer.wrap(datagram, 0, length).order(ByteOrder.nativeOrder());
        List<Message> messages = new ArrayList<>();
        while (in.remaining() >= NetlinkSocket.HEADER) {
            int start = in.position();
            int messageLength = in.getInt();
            int type = in.getShort() & 0xffff;
            int flags = in.getShort() & 0xffff;
            int sequence = in.getInt();
            int portId = in.getInt();
            if (messageLength < NetlinkSocket.HEADER || start + messageLength > length) {
                malformed[0]++;
                break; // the rest cannot be framed
            }
            int end = start + messageLength;
            try {
                Message message = message(in, end, type, flags, sequence, portId);
                if (message != null) {
                    messages.add(message);
                }
            } catch (RuntimeException e) {
                malformed[0]++;
            }
            in.limit(length).position(Math.min(length, start + NetlinkSocket.align(messageLength)));
        }
        return messages;
    }

    private static Message message(ByteBuffer in, int end, int type, int flags, int sequence, int portId) {
        switch (type) {
            case NetlinkSocket.NLMSG_ERROR:
                return new Message(Kind.ERROR, null, in.getInt(), sequence, portId);
            case NetlinkSocket.NLMSG_DONE:
                return new Message(Kind.DONE, null, 0, sequence, portId);
            case MSG_NEW:
            case MSG_DELETE:
                in.limit(end);
                int family = in.get() & 0xff;
                in.position(in.position() + 3); // version, res_id
                Flow flow = flow(in, family == AF_INET6 ? AddressFamily.IPV6 : AddressFamily.IPV4);
                Kind kind = type == MSG_DELETE ? Kind.DESTROY
                        : (flags & (NetlinkSocket.NLM_F_CREATE | NetlinkSocket.NLM_F_EXCL)) != 0 ? Kind.NEW : Kind.UPDATE;
                return flow == null ? null : new Message(kind, flow, 0, sequence, portId);
            default:
                return null; // another subsystem's or an expectation's message: not ours
        }
    }

    /** The flow in the attributes from here to the buffer's limit; null when it has no ports (ICMP). */
    private static Flow flow(ByteBuffer in, AddressFamily family) {
        Tuple original = null;
        Tuple reply = null;
        int protocol = -1;
        int status = 0;
        int timeout = 0;
        int tcpState = 0;
        long raised = 0;
        while (in.remaining() >= 4) {
            int attrStart = in.position();
            int attrLength = in.getShort() & 0xffff;
            int attrType = in.getShort() & NLA_TYPE_MASK;
            if (attrLength < 4 || attrStart + attrLength > in.limit()) {
                throw new IllegalArgumentException("attribute " + attrType + " of length " + attrLength);
            }
            ByteBuffer value = in.slice(attrStart + 4, attrLength - 4).order(ByteOrder.nativeOrder());
            switch (attrType) {
                case CTA_TUPLE_ORIG, CTA_TUPLE_REPLY -> {
                    int[] tupleProtocol = {-1};
                    Tuple tuple = tuple(value, family, tupleProtocol);
                    protocol = tupleProtocol[0];
                    if (attrType == CTA_TUPLE_ORIG) {
                        original = tuple;
                    } else {
                        reply = tuple;
                    }
                }
                case CTA_STATUS -> status = value.order(ByteOrder.BIG_ENDIAN).getInt();
                case CTA_TIMEOUT -> timeout = value.order(ByteOrder.BIG_ENDIAN).getInt();
                case CTA_PROTOINFO -> tcpState = tcpState(value);
                case CTA_TIMESTAMP_EVENT -> raised = value.order(ByteOrder.BIG_ENDIAN).getLong();
                default -> { }
            }
            in.position(Math.min(in.limit(), attrStart + NetlinkSocket.align(attrLength)));
        }
        if (original == null || reply == null) {
            return null;
        }
        return new Flow(protocol, original, reply, status, timeout, tcpState, raised);
    }

    private static Tuple tuple(ByteBuffer in, AddressFamily family, int[] protocol) {
        IpAddress source = null;
        IpAddress destination = null;
        int sourcePort = -1;
        int destinationPort = -1;
        for (ByteBuffer attr : attributes(in)) {
            int type = attr.getShort(2) & NLA_TYPE_MASK;
            ByteBuffer value = attr.position(4).slice();
            if (type == CTA_TUPLE_IP) {
                for (ByteBuffer ip : attributes(value)) {
                    int ipType = ip.getShort(2) & NLA_TYPE_MASK;
                    byte[] address = new byte[ip.remaining() - 4];
                    ip.position(4).get(address);
                    if (ipType == CTA_IP_V4_SRC || ipType == CTA_IP_V6_SRC) {
                        source = IpAddress.of(address);
                    } else if (ipType == CTA_IP_V4_DST || ipType == CTA_IP_V6_DST) {
                        destination = IpAddress.of(address);
                    }
                }
            } else if (type == CTA_TUPLE_PROTO) {
                for (ByteBuffer proto : attributes(value)) {
                    int protoType = proto.getShort(2) & NLA_TYPE_MASK;
                    ByteBuffer field = proto.position(4).slice().order(ByteOrder.BIG_ENDIAN);
                    switch (protoType) {
                        case CTA_PROTO_NUM -> protocol[0] = field.get() & 0xff;
                        case CTA_PROTO_SRC_PORT -> sourcePort = field.getShort() & 0xffff;
                        case CTA_PROTO_DST_PORT -> destinationPort = field.getShort() & 0xffff;
                        default -> { }
                    }
                }
            }
        }
        if (source == null || destination == null || sourcePort < 0 || destinationPort < 0
                || source.family() != family) {
            return null;
        }
        return new Tuple(source, sourcePort, destination, destinationPort);
    }

    private static int tcpState(ByteBuffer protoinfo) {
        for (ByteBuffer attr : attributes(protoinfo)) {
            if ((attr.getShort(2) & NLA_TYPE_MASK) == CTA_PROTOINFO_TCP) {
                for (ByteBuffer tcp : attributes(attr.position(4).slice())) {
                    if ((tcp.getShort(2) & NLA_TYPE_MASK) == CTA_PROTOINFO_TCP_STATE) {
                        return tcp.get(4) & 0xff;
                    }
                }
            }
        }
        return 0;
    }

    /** The nested attributes in {@code in}, each a buffer from its header to its end (host order). */
    private static List<ByteBuffer> attributes(ByteBuffer in) {
        List<ByteBuffer> attributes = new ArrayList<>();
        ByteBuffer nested = in.duplicate().order(ByteOrder.nativeOrder());
        while (nested.remaining() >= 4) {
            int start = nested.position();
            int length = nested.getShort() & 0xffff;
            if (length < 4 || start + length > nested.limit()) {
                throw new IllegalArgumentException("nested attribute of length " + length);
            }
            attributes.add(nested.slice(start, length).order(ByteOrder.nativeOrder()));
            nested.position(Math.min(nested.limit(), start + NetlinkSocket.align(length)));
        }
        return attributes;
    }

    /** A request for every conntrack entry of {@code family} (IPv4 for the nftables backend's table). */
    public static byte[] dumpRequest(int sequence) {
        ByteBuffer message = NetlinkSocket.message(NetlinkSocket.HEADER + 4, MSG_GET,
                NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_DUMP, sequence);
        message.put((byte) AF_INET).put((byte) 0).putShort((short) 0);
        return message.array();
    }

    /**
     * Appends to {@code out} a request that creates the entry {@code original} -> {@code nat}: the
     * original tuple, its plain inverse as the reply tuple, and the NAT the kernel then applies to
     * the reply (a reply tuple given already translated would carry no NAT status, and its
     * packets would pass untranslated). An entry that exists already is updated, not replaced.
     *
     * @param sourceNat true: the original's source is rewritten to {@code nat} (SNAT); false: its
     *     destination (DNAT)
     * @return false when {@code out} lacks the room; nothing was written then
     */
    public static boolean appendCreate(ByteBuffer out, int sequence, int protocol, Tuple original, boolean sourceNat,
                                IpAddress nat, int natPort, int status, int timeoutSeconds, int tcpState) {
        if (out.remaining() < MAX_REQUEST + NetlinkSocket.HEADER) {
            return false;
        }
        int start = beginMessage(out, MSG_NEW, NetlinkSocket.NLM_F_CREATE, sequence, original);
        putTuple(out, CTA_TUPLE_ORIG, protocol, original);
        putTuple(out, CTA_TUPLE_REPLY, protocol, original.inverse());
        boolean v6 = original.source().family() == AddressFamily.IPV6;
        int nest = open(out, sourceNat ? CTA_NAT_SRC : CTA_NAT_DST);
        putAddress(out, v6 ? CTA_NAT_V6_MINIP : CTA_NAT_V4_MINIP, nat);
        putAddress(out, v6 ? CTA_NAT_V6_MAXIP : CTA_NAT_V4_MAXIP, nat);
        int ports = open(out, CTA_NAT_PROTO);
        putPort(out, CTA_PROTONAT_PORT_MIN, natPort);
        putPort(out, CTA_PROTONAT_PORT_MAX, natPort);
        close(out, ports);
        close(out, nest);
        putBigEndianInt(out, CTA_STATUS, status | IPS_CONFIRMED);
        putBigEndianInt(out, CTA_TIMEOUT, Math.max(1, timeoutSeconds));
        if (protocol == 6 && tcpState > 0) {
            int info = open(out, CTA_PROTOINFO);
            int tcp = open(out, CTA_PROTOINFO_TCP);
            putByte(out, CTA_PROTOINFO_TCP_STATE, tcpState);
            close(out, tcp);
            close(out, info);
        }
        endMessage(out, start);
        return true;
    }

    /** Appends a request that deletes the entry whose original tuple is {@code original}. */
    public static boolean appendDelete(ByteBuffer out, int sequence, int protocol, Tuple original) {
        if (out.remaining() < MAX_REQUEST + NetlinkSocket.HEADER) {
            return false;
        }
        int start = beginMessage(out, MSG_DELETE, 0, sequence, original);
        putTuple(out, CTA_TUPLE_ORIG, protocol, original);
        endMessage(out, start);
        return true;
    }

    /**
     * Appends a NOOP that asks for an acknowledgement: the kernel handles a datagram's messages in
     * order, so its answer says every request before it was handled (a request that failed was
     * answered with its error before it; one that succeeded is not answered at all). One answer
     * per batch, not one per entry: each answer is a system call to read.
     */
    public static void appendEndOfBatch(ByteBuffer out, int sequence) {
        out.order(ByteOrder.nativeOrder()).putInt(NetlinkSocket.HEADER).putShort((short) NLMSG_NOOP)
                .putShort((short) (NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK)).putInt(sequence).putInt(0);
    }

    /**
     * Starts one request in {@code out}, unacknowledged (errors are answered in any case): its
     * header, then the nfgenmsg; {@link #endMessage} writes the length. Written in place, without a
     * buffer of its own: a takeover encodes thousands of them.
     */
    private static int beginMessage(ByteBuffer out, int type, int flags, int sequence, Tuple original) {
        int start = out.order(ByteOrder.nativeOrder()).position();
        out.putInt(0).putShort((short) type).putShort((short) (NetlinkSocket.NLM_F_REQUEST | flags)).putInt(sequence).putInt(0);
        out.put((byte) (original.source().family() == AddressFamily.IPV6 ? AF_INET6 : AF_INET)).put((byte) 0).putShort((short) 0);
        return start;
    }

    private static void endMessage(ByteBuffer out, int start) {
        int length = out.position() - start;
        out.putInt(start, length);
        out.position(start + NetlinkSocket.align(length));
    }

    private static void putTuple(ByteBuffer out, int type, int protocol, Tuple tuple) {
        boolean v6 = tuple.source().family() == AddressFamily.IPV6;
        int outer = open(out, type);
        int ip = open(out, CTA_TUPLE_IP);
        putAddress(out, v6 ? CTA_IP_V6_SRC : CTA_IP_V4_SRC, tuple.source());
        putAddress(out, v6 ? CTA_IP_V6_DST : CTA_IP_V4_DST, tuple.destination());
        close(out, ip);
        int proto = open(out, CTA_TUPLE_PROTO);
        putByte(out, CTA_PROTO_NUM, protocol);
        putPort(out, CTA_PROTO_SRC_PORT, tuple.sourcePort());
        putPort(out, CTA_PROTO_DST_PORT, tuple.destinationPort());
        close(out, proto);
        close(out, outer);
    }

    private static void putAddress(ByteBuffer out, int type, IpAddress address) {
        int length = address.family().addressLength();
        out.putShort((short) (4 + length)).putShort((short) type);
        address.writeTo(out.array(), out.arrayOffset() + out.position());
        out.position(out.position() + length); // 4 or 16: aligned already
    }

    /** A port, big-endian, in an attribute padded to 4 bytes. */
    private static void putPort(ByteBuffer out, int type, int port) {
        out.putShort((short) 6).putShort((short) type).put((byte) (port >> 8)).put((byte) port).putShort((short) 0);
    }

    private static void putByte(ByteBuffer out, int type, int value) {
        out.putShort((short) 5).putShort((short) type).put((byte) value).put((byte) 0).putShort((short) 0);
    }

    private static void putBigEndianInt(ByteBuffer out, int type, int value) {
        out.putShort((short) 8).putShort((short) type)
                .put((byte) (value >>> 24)).put((byte) (value >>> 16)).put((byte) (value >>> 8)).put((byte) value);
    }

    /** Starts a nested attribute; {@link #close} writes its length. */
    private static int open(ByteBuffer out, int type) {
        int start = out.position();
        out.putShort((short) 0).putShort((short) (type | NLA_F_NESTED));
        return start;
    }

    private static void close(ByteBuffer out, int start) {
        out.putShort(start, (short) (out.position() - start));
    }
}
