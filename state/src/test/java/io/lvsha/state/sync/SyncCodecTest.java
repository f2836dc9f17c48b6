package io.lvsha.state.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.vrrp.IpAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class SyncCodecTest {
    private static final IpAddress C4 = IpAddress.parse("192.0.2.7");
    private static final IpAddress V4 = IpAddress.parse("198.51.100.10");
    private static final IpAddress R4 = IpAddress.parse("10.0.0.21");

    static ConnectionRecord udp(int clientPort) {
        return new ConnectionRecord(17, C4, clientPort, V4, 69, R4, 69, 100, 0x0003, 0, 300, null);
    }

    private static ConnectionRecord withSeq() {
        return new ConnectionRecord(6, C4, 40000, V4, 21, R4, 21, 0, 0x0600, 1, 900,
                new ConnectionRecord.Options(new ConnectionRecord.Seq(1, 2, 3), new ConnectionRecord.Seq(4, 5, 6), null, null));
    }

    @Test
    void entryWithSequenceDataIsWrittenAsTheKernelWritesItAndTheNextEntryIsAligned() {
        byte[] datagram = SyncCodec.encodeV1(7, List.of(withSeq(), udp(1)), 1472).get(0);
        String expected = String.join("",
                "00", "07", "006c", "02", "01", "0000",                   // header: size 108, 2 entries, v1
                "00", "06", "003e", "00000600", "0001",                    // IPv4 TCP, 62 bytes, IN|OUT_SEQ, ESTABLISHED
                "9c40", "0015", "0015", "00000000", "00000384",            // ports 40000/21/21, fwmark 0, 900 s
                "c0000207", "c633640a", "0a000015",                        // client, VIP, real server
                "01", "18", "00000001", "00000002", "00000003",            // option 1: in_seq
                "00000004", "00000005", "00000006",                        //           out_seq
                "0000",                                                    // padding: the next entry starts at 72
                "00", "11", "0024", "00000003", "0000",                    // IPv4 UDP, 36 bytes, DROUTE
                "0001", "0045", "0045", "00000064", "0000012c",            // ports 1/69/69, fwmark 100, 300 s
                "c0000207", "c633640a", "0a000015");
        assertEquals(expected, HexFormat.of().formatHex(datagram));
    }

    @Test
    void everyKindOfEntryRoundTrips() throws SyncRejectedException {
        IpAddress c6 = IpAddress.parse("2001:db8::7");
        IpAddress v6 = IpAddress.parse("2001:db8::10");
        IpAddress r6 = IpAddress.parse("fd00::21");
        List<ConnectionRecord> all = List.of(udp(40000), withSeq(),
                new ConnectionRecord(17, c6, 0, v6, 69, r6, 69, 7, 0x1003, 1, 360, null),
                new ConnectionRecord(17, C4, 5060, V4, 5060, R4, 5060, 0, 0x0000, 0, 300, new ConnectionRecord.Options(
                        null, null, "call-id-1@host".getBytes(StandardCharsets.US_ASCII), "sip")),
                new ConnectionRecord(132, c6, 3868, v6, 3868, r6, 3868, 0, 0x0002, 7, 900, null));
        byte[] datagram = SyncCodec.encodeV1(9, all, 1472).get(0);
        SyncMessage back = SyncCodec.decode(datagram, 0, datagram.length, 9);
        assertEquals(all, back.connections());
        assertNull(back.restDropped());
    }

    @Test
    void packingFollowsMaxlenAndTheCountLimitLikeTheKernel() throws SyncRejectedException {
        List<ConnectionRecord> many = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add(udp(10_000 + i));
        }
        List<byte[]> datagrams = SyncCodec.encodeV1(1, many, SyncCodec.DEFAULT_MAXLEN);
        assertEquals(25, datagrams.size()); // (1472 - 8) / 36 = 40 per datagram
        assertEquals(8 + 40 * 36, datagrams.get(0).length);
        List<byte[]> jumbo = SyncCodec.encodeV1(1, many, 65_000);
        assertEquals(255, SyncCodec.decode(jumbo.get(0), 0, jumbo.get(0).length, 1).connections().size());
        List<ConnectionRecord> decoded = new ArrayList<>();
        for (byte[] d : datagrams) {
            decoded.addAll(SyncCodec.decode(d, 0, d.length, 1).connections());
        }
        assertEquals(many, decoded);
        assertThrows(IllegalArgumentException.class, () -> SyncCodec.encodeV1(1, many, 40));
    }

    private static byte[] two() {
        return SyncCodec.encodeV1(7, List.of(udp(1), udp(2)), 1472).get(0);
    }

    private static SyncMessage decodePatched(Consumer<ByteBuffer> patch) throws SyncRejectedException {
        byte[] datagram = two();
        patch.accept(ByteBuffer.wrap(datagram));
        return SyncCodec.decode(datagram, 0, datagram.length, 0);
    }

    @Test
    void theKernelsDatagramLevelChecks() {
        byte[] datagram = two();
        assertEquals(SyncDropReason.SIZE_MISMATCH, assertThrows(SyncRejectedException.class,
                () -> SyncCodec.decode(datagram, 0, datagram.length - 1, 0)).reason());
        assertEquals(SyncDropReason.HEADER_TOO_SHORT, assertThrows(SyncRejectedException.class,
                () -> SyncCodec.decode(new byte[3], 0, 3, 0)).reason());
    }

    @Test
    void aBadSecondEntryDropsTheRestButKeepsTheFirst() throws SyncRejectedException {
        SyncMessage badType = decodePatched(b -> b.put(8 + 36, (byte) 2));
        assertEquals(1, badType.connections().size());
        assertEquals(SyncDropReason.BAD_ENTRY_TYPE, badType.restDropped());
        assertEquals(SyncDropReason.UNKNOWN_ENTRY_VERSION, decodePatched(b -> b.putShort(8 + 36 + 2, (short) 0x1024)).restDropped());
        assertEquals(SyncDropReason.ENTRY_BEYOND_BUFFER, decodePatched(b -> b.putShort(8 + 36 + 2, (short) 40)).restDropped());
        assertEquals(SyncDropReason.ENTRY_SHORTER_THAN_FIXED, decodePatched(b -> b.putShort(8 + 36 + 2, (short) 30)).restDropped());
        assertEquals(SyncDropReason.ENTRY_TRUNCATED, decodePatched(b -> b.put(4, (byte) 3)).restDropped());
    }

    @Test
    void anInvalidEntryIsSkippedAndTheNextOneStillInstalled() throws SyncRejectedException {
        SyncMessage protocol = decodePatched(b -> b.put(9, (byte) 99));
        assertEquals(List.of(new SyncMessage.Skipped(0, SyncDropReason.UNSUPPORTED_PROTOCOL)), protocol.skipped());
        assertEquals(1, protocol.connections().size());
        assertEquals(SyncDropReason.INVALID_STATE, decodePatched(b -> b.putShort(16, (short) 1)).skipped().get(0).reason());
        assertEquals(SyncDropReason.INVALID_FLAGS, decodePatched(b -> b.putInt(12, 0x2000)).skipped().get(0).reason());
    }

    private static byte[] withOption(int type, byte[] data) {
        ByteBuffer buffer = ByteBuffer.allocate(8 + 36 + 2 + data.length + 3);
        byte[] one = SyncCodec.encodeV1(7, List.of(udp(1)), 1472).get(0);
        buffer.put(one);
        buffer.put((byte) type).put((byte) data.length).put(data);
        int size = 8 + 36 + 2 + data.length;
        buffer.putShort(2, (short) size).putShort(8 + 2, (short) (36 + 2 + data.length));
        byte[] datagram = new byte[size];
        System.arraycopy(buffer.array(), 0, datagram, 0, size);
        return datagram;
    }

    @Test
    void optionRulesAreTheKernels() throws SyncRejectedException {
        byte[] unknownOptional = withOption(0x40 | 9, new byte[] {1, 2});
        assertEquals(1, SyncCodec.decode(unknownOptional, 0, unknownOptional.length, 0).connections().size());
        byte[] unknownMandatory = withOption(9, new byte[] {1, 2});
        assertEquals(SyncDropReason.UNKNOWN_MANDATORY_OPTION,
                SyncCodec.decode(unknownMandatory, 0, unknownMandatory.length, 0).skipped().get(0).reason());
        byte[] shortSeq = withOption(1, new byte[20]);
        assertEquals(SyncDropReason.BAD_SEQ_OPTION, SyncCodec.decode(shortSeq, 0, shortSeq.length, 0).restDropped());
        byte[] longName = withOption(3, new byte[17]);
        assertEquals(SyncDropReason.BAD_PE_NAME, SyncCodec.decode(longName, 0, longName.length, 0).restDropped());
        byte[] zeroLength = withOption(2, new byte[0]);
        assertEquals(SyncDropReason.OPTION_LENGTH_INVALID, SyncCodec.decode(zeroLength, 0, zeroLength.length, 0).restDropped());
    }

    @Test
    void v0MessagesDecodeWithoutFwmarkOrTimeoutAndWithHostOrderSequenceData() throws SyncRejectedException {
        ByteBuffer v0 = ByteBuffer.allocate(4 + 24 + 48);
        v0.put((byte) 2).put((byte) 3).putShort((short) (4 + 24 + 48));
        v0.put((byte) 0).put((byte) 17).putShort((short) 1234).putShort((short) 69).putShort((short) 69)
                .put(C4.toBytes()).put(V4.toBytes()).put(R4.toBytes()).putShort((short) 0x0003).putShort((short) 0);
        v0.put((byte) 0).put((byte) 6).putShort((short) 4321).putShort((short) 21).putShort((short) 21)
                .put(C4.toBytes()).put(V4.toBytes()).put(R4.toBytes()).putShort((short) 0x0600).putShort((short) 1);
        v0.order(ByteOrder.LITTLE_ENDIAN).putInt(11).putInt(12).putInt(13).putInt(14).putInt(15).putInt(16);
        SyncMessage message = SyncCodec.decode(v0.array(), 0, v0.capacity(), 3);
        assertEquals(0, message.version());
        assertEquals(2, message.connections().size());
        assertEquals(new ConnectionRecord(17, C4, 1234, V4, 69, R4, 69, 0, 0x0003, 0, 0, null), message.connections().get(0));
        assertEquals(new ConnectionRecord.Seq(11, 12, 13), message.connections().get(1).options().in());
        assertTrue(message.connections().get(1).options().hasSeq());
    }
}
