package io.lvsha.state.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.vrrp.IpAddress;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Messages of a real kernel (Linux 6.1.176 in User-Mode Linux, ../shared/reference/uml-ipvs/):
 * the master daemon's own datagram, and a hand-made one its backup daemon accepted.
 */
class KernelSyncCaptureTest {
    /** UDP payload of frame 1 in ipvs-sync.txt: 12 connections (UDP, TCP, templates), syncid 7. */
    static final byte[] KERNEL_MASTER = hex("""
            000701b80c01000000110024000011000000000013881388000000000000002d0a6100640a61000a0a61001500110024
            000011000001000013881388000000000000002d0a6100640a61000a0a610015001100240000010000009c4113881388
            000000000000012c0a6100640a61000a0a61001500110024000011000001000013881388000000000000002d0a610064
            0a61000a0a61001500110024000011000001000013881388000000000000002d0a6100640a61000a0a61001500110024
            000011000001000013881388000000000000002d0a6100640a61000a0a61001500060024000000000001aee600501f90
            00000000000003840a6100640a61000a0a61001500060024000001000004aee600501f9000000000000000780a610064
            0a61000a0a61001500060024000001000005aee600501f9000000000000000780a6100640a61000a0a61001500060024
            000000000001aeee00501f9000000000000003840a6100640a61000a0a61001500060024000001000004aeee00501f90
            00000000000000780a6100640a61000a0a61001500060024000001000005aeee00501f9000000000000000780a610064
            0a61000a0a610015""");
    /** UDP payload of frame 2: built by hand, accepted by the kernel's backup daemon. */
    static final byte[] ACCEPTED_BY_KERNEL = hex("""
            0007007403010000000600240000000000019c4000501f9000000000000002580a6100c80a61000a0a61001500110024
            0000000000009c4213881388000000000000012c0a6100c90a61000a0a61001500110024000010000000000013881388
            0000000000000a8c0a6100c90a61000a0a610015""");

    static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replaceAll("\\s+", ""));
    }

    private static final IpAddress CLIENT = IpAddress.parse("10.97.0.100");
    private static final IpAddress VIP = IpAddress.parse("10.97.0.10");
    private static final IpAddress REAL = IpAddress.parse("10.97.0.21");

    @Test
    void kernelMasterMessageDecodesToItsTwelveConnections() throws SyncRejectedException {
        SyncMessage message = SyncCodec.decode(KERNEL_MASTER, 0, KERNEL_MASTER.length, 7);
        assertEquals(1, message.version());
        assertEquals(7, message.syncid());
        assertEquals(12, message.connections().size());
        assertTrue(message.skipped().isEmpty());
        assertNull(message.restDropped());

        ConnectionRecord template = message.connections().get(0);
        assertTrue(template.isTemplate());
        assertEquals(new ConnectionRecord(17, CLIENT, 0, VIP, 5000, REAL, 5000, 0, 0x1100, 0, 45,
                ConnectionRecord.Options.NONE), template);
        assertEquals(new ConnectionRecord(17, CLIENT, 40001, VIP, 5000, REAL, 5000, 0, 0x0100, 0, 300,
                ConnectionRecord.Options.NONE), message.connections().get(2));
        ConnectionRecord tcp = message.connections().get(6);
        assertEquals(6, tcp.protocol());
        assertEquals(1, tcp.state()); // ESTABLISHED
        assertEquals(44774, tcp.clientPort());
        assertEquals(80, tcp.virtualPort());
        assertEquals(8080, tcp.realPort());
        assertEquals(900, tcp.timeoutSeconds());
    }

    @Test
    void reencodingTheKernelsConnectionsGivesTheKernelsBytes() throws SyncRejectedException {
        for (byte[] captured : List.of(KERNEL_MASTER, ACCEPTED_BY_KERNEL)) {
            SyncMessage message = SyncCodec.decode(captured, 0, captured.length, 0);
            List<byte[]> encoded = SyncCodec.encodeV1(7, message.connections(), SyncCodec.DEFAULT_MAXLEN);
            assertEquals(1, encoded.size());
            assertEquals(HexFormat.of().formatHex(captured), HexFormat.of().formatHex(encoded.get(0)));
        }
    }

    @Test
    void aBackupWithAnotherSyncidIgnoresTheMessageAndSyncidZeroTakesAll() throws SyncRejectedException {
        SyncRejectedException e = org.junit.jupiter.api.Assertions.assertThrows(SyncRejectedException.class,
                () -> SyncCodec.decode(KERNEL_MASTER, 0, KERNEL_MASTER.length, 8));
        assertEquals(SyncDropReason.SYNCID_FILTERED, e.reason());
        assertEquals(12, SyncCodec.decode(KERNEL_MASTER, 0, KERNEL_MASTER.length, 0).connections().size());
    }
}
