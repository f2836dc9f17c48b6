package io.lvsha.state.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SyncDatagramDecoderTest {
    private static final InetSocketAddress GROUP = new InetSocketAddress("224.0.0.81", 8848);
    private static final InetSocketAddress FLOODER = new InetSocketAddress("192.168.50.21", 8848);
    private static final InetSocketAddress MASTER = new InetSocketAddress("192.168.50.11", 8848);

    private long now = 1_000_000_000L;
    private final SyncDatagramDecoder decoder = new SyncDatagramDecoder(0, () -> now);
    private final EmbeddedChannel channel = new EmbeddedChannel(decoder);

    private void send(InetSocketAddress from, int datagrams) {
        for (int i = 0; i < datagrams; i++) {
            // Four zero bytes: a header whose size is not the datagram's, so each one decoded is counted as such.
            channel.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(new byte[4]), GROUP, from));
        }
    }

    @Test
    void aFloodingSenderIsDecodedAtTheRateLimitAndOthersNotAtAll() {
        send(FLOODER, SyncDatagramDecoder.DATAGRAMS_PER_SECOND_PER_SENDER + 5_000);
        assertEquals(Map.of(SyncDropReason.SIZE_MISMATCH, (long) SyncDatagramDecoder.DATAGRAMS_PER_SECOND_PER_SENDER,
                SyncDropReason.RATE_LIMITED, 5_000L), decoder.drops(), "a second's worth decoded, the rest dropped undecoded");
        send(MASTER, 100);
        assertEquals(SyncDatagramDecoder.DATAGRAMS_PER_SECOND_PER_SENDER + 100L, decoder.drops().get(SyncDropReason.SIZE_MISMATCH),
                "another sender has its own allowance");
        now += 500_000_000L;
        send(FLOODER, SyncDatagramDecoder.DATAGRAMS_PER_SECOND_PER_SENDER);
        assertEquals(5_000L + SyncDatagramDecoder.DATAGRAMS_PER_SECOND_PER_SENDER / 2, decoder.drops().get(SyncDropReason.RATE_LIMITED),
                "half a second later, half a second's worth more");
        assertNull(channel.readInbound());
    }

    @Test
    void aKernelSyncingFiftyThousandConnectionsASecondIsNeverLimited() {
        byte[] datagram = SyncCodec.encodeV1(0, java.util.List.of(new ConnectionRecord(17,
                io.lvsha.vrrp.IpAddress.parse("10.100.0.1"), 1024, io.lvsha.vrrp.IpAddress.parse("10.99.0.10"), 69,
                io.lvsha.vrrp.IpAddress.parse("192.168.50.21"), 69, 1, 0, 0, 600, null)), 1472).get(0);
        int messages = 0;
        for (int i = 0; i < 1_250 * 10; i++) {
            now += 1_000_000_000L / 1_250;
            channel.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(datagram), GROUP, MASTER));
            while (channel.readInbound() != null) {
                messages++;
            }
        }
        assertEquals(12_500, messages, "ten seconds of 1 250 datagrams a second, every one decoded: " + decoder.drops());
    }
}
