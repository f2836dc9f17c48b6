package io.lvsha.state.sync;

import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Decoding of the legacy v0 format (ip_vs_process_message_v0): IPv4 only, no fwmark and no timeout
 * (the kernel passes 0 for both, which is why v0 cannot serve fwmark services).
 */
final class SyncCodecV0 {
    private static final int FULL_CONN = SyncCodec.V0_ENTRY + SyncCodec.SEQ_DATA_LENGTH;

    private SyncCodecV0() {
    }

    static SyncMessage decode(ByteBuffer in, int syncid) {
        int count = in.get(0) & 0xff;
        List<ConnectionRecord> connections = new ArrayList<>(Math.min(count, in.limit() / SyncCodec.V0_ENTRY));
        List<SyncMessage.Skipped> skipped = new ArrayList<>();
        int p = SyncCodec.V0_HEADER;
        for (int i = 0; i < count; i++) {
            if (p + SyncCodec.V0_ENTRY > in.limit()) {
                return new SyncMessage(0, syncid, connections, skipped, SyncDropReason.V0_CONN_TRUNCATED);
            }
            int start = p;
            int flags = in.getShort(start + 20) & 0xffff;
            ConnectionRecord.Options options = ConnectionRecord.Options.NONE;
            if ((flags & ConnectionRecord.Flags.SEQ_MASK) != 0) {
                p += FULL_CONN;
                if (p > in.limit()) {
                    return new SyncMessage(0, syncid, connections, skipped, SyncDropReason.V0_OPTIONS_TRUNCATED);
                }
                // v0 copies the sequence options with memcpy: the sender's byte order (x86: little-endian).
                ByteBuffer seq = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                int o = start + SyncCodec.V0_ENTRY;
                options = new ConnectionRecord.Options(
                        new ConnectionRecord.Seq(seq.getInt(o), seq.getInt(o + 4), seq.getInt(o + 8)),
                        new ConnectionRecord.Seq(seq.getInt(o + 12), seq.getInt(o + 16), seq.getInt(o + 20)),
                        null, null);
            } else {
                p += SyncCodec.V0_ENTRY;
            }
            int protocol = in.get(start + 1) & 0xff;
            int state = in.getShort(start + 22) & 0xffff;
            SyncDropReason invalid = Protocols.check(protocol, flags, state);
            if (invalid != null) {
                skipped.add(new SyncMessage.Skipped(i, invalid));
                continue;
            }
            byte[] raw = in.array();
            int base = in.arrayOffset() + start;
            connections.add(new ConnectionRecord(protocol, IpAddress.read(AddressFamily.IPV4, raw, base + 8),
                    in.getShort(start + 2) & 0xffff, IpAddress.read(AddressFamily.IPV4, raw, base + 12),
                    in.getShort(start + 4) & 0xffff, IpAddress.read(AddressFamily.IPV4, raw, base + 16),
                    in.getShort(start + 6) & 0xffff, 0, flags, state, 0, options));
        }
        return new SyncMessage(0, syncid, connections, skipped, null);
    }
}
