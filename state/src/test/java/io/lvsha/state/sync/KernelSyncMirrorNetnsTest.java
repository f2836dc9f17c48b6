package io.lvsha.state.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lvsha.netns.Netns;
import io.lvsha.netns.NetnsTest;
import io.lvsha.state.table.ConnectionTable;
import io.lvsha.vrrp.IpAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The mirror hears a real kernel's sync datagram over multicast between two namespaces. */
@NetnsTest
class KernelSyncMirrorNetnsTest {
    private Netns backup;
    private Netns master;
    private KernelSyncMirror mirror;
    private DatagramChannel sender;
    private final BlockingQueue<SyncMessage> heard = new LinkedBlockingQueue<>();

    @BeforeEach
    void setUp() throws Exception {
        backup = Netns.create("syncb");
        master = Netns.create("syncm");
        Netns.link(backup, "sync0", master, "sync0");
        backup.exec("ip", "addr", "add", "10.97.0.1/24", "dev", "sync0");
        master.exec("ip", "addr", "add", "10.97.0.2/24", "dev", "sync0");
        mirror = backup.within(() -> KernelSyncMirror.start(SyncCodec.DEFAULT_GROUP, SyncCodec.DEFAULT_PORT, "sync0", 7,
                heard::add));
        sender = master.within(() -> {
            DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET);
            channel.setOption(StandardSocketOptions.IP_MULTICAST_IF, NetworkInterface.getByName("sync0"));
            channel.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1);
            return channel;
        });
    }

    @AfterEach
    void tearDown() throws Exception {
        if (sender != null) {
            sender.close();
        }
        if (mirror != null) {
            mirror.close();
        }
        master.close();
        backup.close();
    }

    private void send(byte[] datagram) throws Exception {
        sender.send(ByteBuffer.wrap(datagram), new InetSocketAddress(SyncCodec.DEFAULT_GROUP, SyncCodec.DEFAULT_PORT));
    }

    @Test
    void theKernelsOwnDatagramFillsTheTableWithTheLatestStateOfEachConnection() throws Exception {
        send(KernelSyncCaptureTest.KERNEL_MASTER);
        SyncMessage message = heard.poll(10, TimeUnit.SECONDS);
        assertNotNull(message, "nothing heard on 224.0.0.81:8848");
        assertEquals(12, message.connections().size());
        ConnectionTable table = new ConnectionTable();
        message.connections().forEach(connection -> table.put(connection, 0));
        // The kernel re-syncs a connection as its state moves on: 12 entries, 4 connections
        // (one UDP template, one UDP connection, two TCP connections), each at its latest state.
        assertEquals(4, table.size());
        ConnectionRecord tcp = table.get(6, IpAddress.parse("10.97.0.100"), 44774, IpAddress.parse("10.97.0.10"), 80);
        assertEquals(5, tcp.state(), "TCP TIME_WAIT, the last of ESTABLISHED, FIN_WAIT, TIME_WAIT");
        assertEquals(120, tcp.timeoutSeconds());
    }

    @Test
    void anotherSyncidIsCountedAndIgnored() throws Exception {
        byte[] otherSender = KernelSyncCaptureTest.KERNEL_MASTER.clone();
        otherSender[1] = 9;
        send(otherSender);
        send(KernelSyncCaptureTest.ACCEPTED_BY_KERNEL);
        SyncMessage message = heard.poll(10, TimeUnit.SECONDS);
        assertEquals(3, message.connections().size(), "the datagram of syncid 9 was not ignored");
        assertNull(heard.poll(200, TimeUnit.MILLISECONDS));
        assertEquals(1L, mirror.drops().get(SyncDropReason.SYNCID_FILTERED));
    }
}
