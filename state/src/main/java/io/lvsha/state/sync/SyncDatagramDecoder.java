package io.lvsha.state.sync;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.net.InetAddress;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The thin Netty edge of the sync codec: unwraps a UDP datagram, hands its bytes to
 * {@link SyncCodec#decode}, and passes the {@link SyncMessage} on. A datagram the kernel would
 * ignore is counted by reason and dropped; entries the kernel would skip are counted too.
 * Thread-safe counters; one decoder per channel.
 */
public final class SyncDatagramDecoder extends MessageToMessageDecoder<DatagramPacket> {
    /** Far above what a master kernel sends (see {@link SourceRateLimit}), far below a flood. */
    static final int DATAGRAMS_PER_SECOND_PER_SENDER = 10_000;

    private final int ourSyncid;
    private final SourceRateLimit rateLimit = new SourceRateLimit(DATAGRAMS_PER_SECOND_PER_SENDER);
    private final java.util.function.LongSupplier clock;
    private final AtomicLongArray drops = new AtomicLongArray(SyncDropReason.values().length);
    /** The only senders taken; empty takes any, as the kernel does. */
    private volatile Set<InetAddress> senders = Set.of();

    /** @param ourSyncid this node's syncid; 0 takes every sender, as the kernel does */
    public SyncDatagramDecoder(int ourSyncid) {
        this(ourSyncid, System::nanoTime);
    }

    /** @param clock nanoseconds, for the rate limit */
    SyncDatagramDecoder(int ourSyncid, java.util.function.LongSupplier clock) {
        this.ourSyncid = ourSyncid;
        this.clock = clock;
    }

    /** From now on only datagrams from {@code accepted} are taken (empty: any sender). Any thread. */
    public void acceptOnlyFrom(Set<InetAddress> accepted) {
        senders = Set.copyOf(accepted);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) {
        Set<InetAddress> accepted = senders;
        if (!accepted.isEmpty() && !accepted.contains(packet.sender().getAddress())) {
            drops.incrementAndGet(SyncDropReason.FOREIGN_SENDER.ordinal());
            return;
        }
        if (!rateLimit.allow(packet.sender().getAddress(), clock.getAsLong())) {
            drops.incrementAndGet(SyncDropReason.RATE_LIMITED.ordinal());
            return;
        }
        byte[] bytes = ByteBufUtil.getBytes(packet.content());
        try {
            SyncMessage message = SyncCodec.decode(bytes, 0, bytes.length, ourSyncid);
            message.skipped().forEach(skipped -> drops.incrementAndGet(skipped.reason().ordinal()));
            if (message.restDropped() != null) {
                drops.incrementAndGet(message.restDropped().ordinal());
            }
            out.add(message);
        } catch (SyncRejectedException e) {
            drops.incrementAndGet(e.reason().ordinal());
        }
    }

    /** Drops so far, by reason; only reasons that occurred. */
    public Map<SyncDropReason, Long> drops() {
        Map<SyncDropReason, Long> counts = new EnumMap<>(SyncDropReason.class);
        for (SyncDropReason reason : SyncDropReason.values()) {
            long count = drops.get(reason.ordinal());
            if (count > 0) {
                counts.put(reason, count);
            }
        }
        return counts;
    }
}
