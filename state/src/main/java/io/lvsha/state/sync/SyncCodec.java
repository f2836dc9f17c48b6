package io.lvsha.state.sync;

import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Linux IPVS connection-sync protocol (net/netfilter/ipvs/ip_vs_sync.c), byte for byte.
 *
 * <pre>
 * v1 header (8):  reserved=0 | syncid | size (be16, = datagram length) | nr_conns | version=1 | spare=0 (be16)
 * v1 entry:       type (0 IPv4, 1 IPv6) | protocol | ver_size (be16: version 4 bits = 0, size 12 bits)
 *                 flags (be32) | state (be16) | cport | vport | dport (be16) | fwmark (be32) | timeout (be32, s)
 *                 caddr | vaddr | daddr (4 or 16 each)       = 36 or 72 bytes, then options:
 *                 [type | len | data]...  1 seq data (24), 2 PE data (≤255), 3 PE name (≤16); type | 0x40 = optional
 *                 Each entry starts 4-byte aligned: the sender pads before it; ver_size excludes the padding.
 * v0 header (4):  nr_conns | syncid | size (be16)
 * v0 entry (24):  reserved | protocol | cport | vport | dport | caddr | vaddr | daddr | flags (be16) | state (be16)
 *                 + 24 bytes of sequence data in the sender's byte order when flags & 0x0600
 * </pre>
 *
 * <p>Decoding mirrors what the kernel's backup daemon accepts: a datagram it would ignore raises
 * {@link SyncRejectedException}; an entry it would skip, or a rest of the datagram it would drop,
 * is reported in the {@link SyncMessage} with its reason, next to the entries it would install.
 * Decoding never allocates more than the datagram's own size. Thread-safe: stateless.
 */
public final class SyncCodec {
    /** The kernel's default multicast group and port. */
    public static final String DEFAULT_GROUP = "224.0.0.81";
    public static final int DEFAULT_PORT = 8848;
    /** The master's default datagram size: 1500 minus IP and UDP headers (the kernel ignores the MTU). */
    public static final int DEFAULT_MAXLEN = 1472;
    static final int V1_HEADER = 8;
    static final int V0_HEADER = 4;
    static final int V4_ENTRY = 36;
    static final int V6_ENTRY = 72;
    static final int V0_ENTRY = 24;
    static final int SEQ_DATA_LENGTH = 24;
    static final int PE_DATA_MAX = 255;
    static final int PE_NAME_MAX = 16;
    static final int MAX_CONNS = 255;
    private static final int OPT_SEQ_DATA = 1;
    private static final int OPT_PE_DATA = 2;
    private static final int OPT_PE_NAME = 3;
    private static final int OPT_F_PARAM = 0x40;
    private static final int SVER_SHIFT = 12;
    private static final int SVER_MASK = 0x0fff;

    private SyncCodec() {
    }

    /**
     * Packs connections into v1 datagrams as the kernel's master does: entries in order, each
     * datagram at most {@code maxLen} bytes and {@value #MAX_CONNS} entries.
     *
     * @throws IllegalArgumentException if one entry alone does not fit {@code maxLen}
     */
    public static List<byte[]> encodeV1(int syncid, List<ConnectionRecord> connections, int maxLen) {
        List<byte[]> datagrams = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.allocate(maxLen);
        int count = 0;
        buffer.position(V1_HEADER);
        for (ConnectionRecord connection : connections) {
            int length = entryLength(connection);
            if (V1_HEADER + length > maxLen) {
                throw new IllegalArgumentException("an entry of " + length + " bytes does not fit maxlen " + maxLen);
            }
            int pad = (4 - buffer.position()) & 3;
            if (buffer.position() + pad + length > maxLen || count == MAX_CONNS) {
                datagrams.add(finish(buffer, syncid, count));
                buffer = ByteBuffer.allocate(maxLen);
                buffer.position(V1_HEADER);
                count = 0;
                pad = 0;
            }
            buffer.position(buffer.position() + pad);
            writeEntry(buffer, connection, length);
            count++;
        }
        if (count > 0) {
            datagrams.add(finish(buffer, syncid, count));
        }
        return datagrams;
    }

    private static byte[] finish(ByteBuffer buffer, int syncid, int count) {
        int size = buffer.position();
        buffer.put(0, (byte) 0).put(1, (byte) syncid).putShort(2, (short) size).put(4, (byte) count)
                .put(5, (byte) 1).putShort(6, (short) 0);
        byte[] datagram = new byte[size];
        System.arraycopy(buffer.array(), 0, datagram, 0, size);
        return datagram;
    }

    /** The entry's length with its options, without padding (what ver_size carries). */
    static int entryLength(ConnectionRecord c) {
        int length = c.isIpv6() ? V6_ENTRY : V4_ENTRY;
        ConnectionRecord.Options options = c.options();
        if (options.hasSeq()) {
            length += 2 + SEQ_DATA_LENGTH;
        }
        if (options.peData() != null) {
            length += 2 + options.peData().length;
        }
        if (options.peName() != null) {
            length += 2 + options.peName().getBytes(StandardCharsets.US_ASCII).length;
        }
        return length;
    }

    private static void writeEntry(ByteBuffer out, ConnectionRecord c, int length) {
        out.put((byte) (c.isIpv6() ? 1 : 0)).put((byte) c.protocol()).putShort((short) (length & SVER_MASK))
                .putInt(c.flags() & ~ConnectionRecord.Flags.HASHED).putShort((short) c.state())
                .putShort((short) c.clientPort()).putShort((short) c.virtualPort()).putShort((short) c.realPort())
                .putInt(c.fwmark()).putInt(c.timeoutSeconds());
        out.put(c.client().toBytes()).put(c.virtualAddress().toBytes()).put(c.realServer().toBytes());
        ConnectionRecord.Options options = c.options();
        if (options.hasSeq()) {
            out.put((byte) OPT_SEQ_DATA).put((byte) SEQ_DATA_LENGTH);
            for (ConnectionRecord.Seq seq : new ConnectionRecord.Seq[] {options.in(), options.out()}) {
                out.putInt(seq.initSeq()).putInt(seq.delta()).putInt(seq.previousDelta());
            }
        }
        if (options.peData() != null) {
            out.put((byte) OPT_PE_DATA).put((byte) options.peData().length).put(options.peData());
        }
        if (options.peName() != null) {
            byte[] name = options.peName().getBytes(StandardCharsets.US_ASCII);
            out.put((byte) OPT_PE_NAME).put((byte) name.length).put(name);
        }
    }

    /**
     * Decodes a datagram as the kernel's backup daemon reads it.
     *
     * @param ourSyncid the backup's syncid; 0 accepts every sender (the kernel's rule)
     * @throws SyncRejectedException if the kernel would ignore the datagram entirely
     */
    public static SyncMessage decode(byte[] buffer, int offset, int length, int ourSyncid) throws SyncRejectedException {
        ByteBuffer in = ByteBuffer.wrap(buffer, offset, length).slice().order(ByteOrder.BIG_ENDIAN);
        if (length < V0_HEADER) {
            throw new SyncRejectedException(SyncDropReason.HEADER_TOO_SHORT, length + " bytes");
        }
        int size = in.getShort(2) & 0xffff;
        if (size != length) {
            throw new SyncRejectedException(SyncDropReason.SIZE_MISMATCH, "size " + size + ", datagram " + length);
        }
        int syncid = in.get(1) & 0xff;
        if (ourSyncid != 0 && syncid != ourSyncid) {
            throw new SyncRejectedException(SyncDropReason.SYNCID_FILTERED, "syncid " + syncid + ", ours " + ourSyncid);
        }
        boolean v1 = length >= V1_HEADER && in.get(5) == 1 && in.get(0) == 0 && in.getShort(6) == 0;
        return v1 ? decodeV1(in, syncid) : SyncCodecV0.decode(in, syncid);
    }

    private static SyncMessage decodeV1(ByteBuffer in, int syncid) {
        int count = in.get(4) & 0xff;
        List<ConnectionRecord> connections = new ArrayList<>(Math.min(count, in.limit() / V4_ENTRY));
        List<SyncMessage.Skipped> skipped = new ArrayList<>();
        int position = V1_HEADER;
        for (int i = 0; i < count; i++) {
            if (position + V4_ENTRY > in.limit()) {
                return new SyncMessage(1, syncid, connections, skipped, SyncDropReason.ENTRY_TRUNCATED);
            }
            int verSize = in.getShort(position + 2) & 0xffff;
            int entrySize = verSize & SVER_MASK;
            int end = position + entrySize;
            if (end > in.limit()) {
                return new SyncMessage(1, syncid, connections, skipped, SyncDropReason.ENTRY_BEYOND_BUFFER);
            }
            if (verSize >>> SVER_SHIFT != 0) {
                return new SyncMessage(1, syncid, connections, skipped, SyncDropReason.UNKNOWN_ENTRY_VERSION);
            }
            EntryOutcome outcome = decodeEntry(in, position, end);
            if (outcome.restDropped() != null) {
                return new SyncMessage(1, syncid, connections, skipped, outcome.restDropped());
            }
            if (outcome.skipped() != null) {
                skipped.add(new SyncMessage.Skipped(i, outcome.skipped()));
            } else {
                connections.add(outcome.connection());
            }
            position += (entrySize + 3) & ~3;
        }
        return new SyncMessage(1, syncid, connections, skipped, null);
    }

    /** One entry: installed, skipped, or the end of the datagram's useful part. */
    private record EntryOutcome(ConnectionRecord connection, SyncDropReason skipped, SyncDropReason restDropped) {
        static EntryOutcome rest(SyncDropReason reason) {
            return new EntryOutcome(null, null, reason);
        }

        static EntryOutcome skip(SyncDropReason reason) {
            return new EntryOutcome(null, reason, null);
        }
    }

    private static EntryOutcome decodeEntry(ByteBuffer in, int start, int end) {
        int type = in.get(start) & 0xff;
        AddressFamily family;
        if ((type & 1) != 0) {
            family = AddressFamily.IPV6;
        } else if (type == 0) {
            family = AddressFamily.IPV4;
        } else {
            return EntryOutcome.rest(SyncDropReason.BAD_ENTRY_TYPE);
        }
        int fixed = family == AddressFamily.IPV4 ? V4_ENTRY : V6_ENTRY;
        if (start + fixed > end) {
            return EntryOutcome.rest(SyncDropReason.ENTRY_SHORTER_THAN_FIXED);
        }
        ConnectionRecord.Seq[] seq = null;
        byte[] peData = null;
        String peName = null;
        boolean unknownMandatory = false;
        int p = start + fixed;
        while (p < end) {
            if (p + 2 > end) {
                return EntryOutcome.rest(SyncDropReason.OPTION_HEADER_TRUNCATED);
            }
            int optionType = in.get(p) & 0xff;
            int optionLength = in.get(p + 1) & 0xff;
            p += 2;
            if (optionLength == 0 || p + optionLength > end) {
                return EntryOutcome.rest(SyncDropReason.OPTION_LENGTH_INVALID);
            }
            switch (optionType & ~OPT_F_PARAM) {
                case OPT_SEQ_DATA -> {
                    if (optionLength != SEQ_DATA_LENGTH || seq != null) {
                        return EntryOutcome.rest(SyncDropReason.BAD_SEQ_OPTION);
                    }
                    seq = new ConnectionRecord.Seq[] {
                        new ConnectionRecord.Seq(in.getInt(p), in.getInt(p + 4), in.getInt(p + 8)),
                        new ConnectionRecord.Seq(in.getInt(p + 12), in.getInt(p + 16), in.getInt(p + 20))};
                }
                case OPT_PE_DATA -> {
                    if (peData != null) {
                        return EntryOutcome.rest(SyncDropReason.BAD_PE_DATA);
                    }
                    peData = new byte[optionLength];
                    in.get(p, peData);
                }
                case OPT_PE_NAME -> {
                    if (optionLength > PE_NAME_MAX || peName != null) {
                        return EntryOutcome.rest(SyncDropReason.BAD_PE_NAME);
                    }
                    byte[] name = new byte[optionLength];
                    in.get(p, name);
                    peName = new String(name, StandardCharsets.US_ASCII);
                }
                default -> unknownMandatory |= (optionType & OPT_F_PARAM) == 0;
            }
            p += optionLength;
        }
        if (unknownMandatory) {
            return EntryOutcome.skip(SyncDropReason.UNKNOWN_MANDATORY_OPTION);
        }
        int protocol = in.get(start + 1) & 0xff;
        int flags = in.getInt(start + 4);
        int state = in.getShort(start + 8) & 0xffff;
        SyncDropReason invalid = Protocols.check(protocol, flags, state);
        if (invalid != null) {
            return EntryOutcome.skip(invalid);
        }
        int a = start + 24;
        int width = family.addressLength();
        ConnectionRecord.Options options = new ConnectionRecord.Options(seq == null ? null : seq[0],
                seq == null ? null : seq[1], peData, peName);
        return new EntryOutcome(new ConnectionRecord(protocol, IpAddress.read(family, in.array(), in.arrayOffset() + a),
                in.getShort(start + 10) & 0xffff, IpAddress.read(family, in.array(), in.arrayOffset() + a + width),
                in.getShort(start + 12) & 0xffff, IpAddress.read(family, in.array(), in.arrayOffset() + a + 2 * width),
                in.getShort(start + 14) & 0xffff, in.getInt(start + 16), flags, state, in.getInt(start + 20), options),
                null, null);
    }
}
