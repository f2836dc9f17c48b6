package io.lvsha.arp;

import java.io.IOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.pcap4j.core.BpfProgram.BpfCompileMode;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapHandle.TimestampPrecision;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.core.RawPacketListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raw frame I/O on one interface through libpcap (Pcap4J): the only class that touches Pcap4J.
 *
 * <p>Two handles: one receives with a BPF filter in immediate mode (without it libpcap 1.10 holds
 * packets for up to its timeout and a 10 ms advert arrives 5-500 ms late, see
 * ../shared/reference/java-stack.md), on its own thread; the other only sends, so that sending
 * from the HA loop never shares a handle with the receive loop (pcap handles are not thread-safe).
 * Both are opened at start-up, never on the takeover path. A received frame's time is the kernel's
 * capture stamp, not the moment our thread got it: a backup's Master_Down_Timer runs from the
 * advert's arrival at the host, however late the receive thread was scheduled.
 */
public final class LinkPort implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LinkPort.class);
    private static final int SNAPLEN = 2048;
    /** An IEEE "local experimental" EtherType nothing sends: the send handle must not queue traffic. */
    private static final String MATCH_NOTHING = "ether proto 0x88b6";
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** A frame is believed to have waited for our thread this long at most (a host stall of seconds happens). */
    private static final long MAX_BELIEVED_AGE_NANOS = 10 * NANOS_PER_SECOND;

    private final String interfaceName;
    private final PcapHandle receiveHandle;
    private final PcapHandle sendHandle;
    private final Thread receiveThread;
    private final AtomicLong sendFailures = new AtomicLong();
    private volatile boolean closed;

    private LinkPort(String interfaceName, PcapHandle receiveHandle, PcapHandle sendHandle, FrameListener listener,
                     Runnable beforeReceiving) {
        this.interfaceName = interfaceName;
        this.receiveHandle = receiveHandle;
        this.sendHandle = sendHandle;
        if (receiveHandle == null) {
            this.receiveThread = null;
        } else {
            RawPacketListener rawListener = packet -> listener.onFrame(packet, arrivalNanos(receiveHandle.getTimestamp()));
            this.receiveThread = new Thread(() -> {
                beforeReceiving.run();
                receiveLoop(rawListener);
            }, "pcap-" + interfaceName);
            this.receiveThread.setDaemon(true);
        }
    }

    /** Opens the interface for sending only (a VIP interface that carries no heartbeat). */
    public static LinkPort sendOnly(String interfaceName) throws IOException {
        try {
            PcapHandle send = handle(interfaceName);
            send.setFilter(MATCH_NOTHING, BpfCompileMode.OPTIMIZE);
            return new LinkPort(interfaceName, null, send, null, null);
        } catch (PcapNativeException | NotOpenException | RuntimeException e) {
            throw new IOException("cannot open " + interfaceName + " for raw frames: " + e.getMessage(), e);
        }
    }

    /**
     * Opens the interface and starts receiving frames that match {@code bpfFilter}, incoming only.
     *
     * @throws IOException if the interface cannot be opened (missing, or no CAP_NET_RAW) or the
     *     filter does not compile
     */
    public static LinkPort open(String interfaceName, String bpfFilter, FrameListener listener) throws IOException {
        return open(interfaceName, bpfFilter, listener, () -> { });
    }

    /**
     * As {@link #open(String, String, FrameListener)}, receiving on a SCHED_FIFO thread at
     * {@code priority} ({@link ThreadScheduling#makeCurrentThreadRealtime}): for VRRP adverts, which
     * must not wait for a CPU behind real-time bulk work such as a connection table's resync.
     */
    public static LinkPort openRealtime(String interfaceName, String bpfFilter, int priority, FrameListener listener)
            throws IOException {
        return open(interfaceName, bpfFilter, listener, () -> ThreadScheduling.makeCurrentThreadRealtime(priority,
                "frames on " + interfaceName + " are received"));
    }

    private static LinkPort open(String interfaceName, String bpfFilter, FrameListener listener, Runnable beforeReceiving)
            throws IOException {
        PcapHandle receive = null;
        try {
            receive = handle(interfaceName);
            receive.setFilter(bpfFilter, BpfCompileMode.OPTIMIZE);
            // Our own transmissions would otherwise come back as received adverts.
            receive.setDirection(org.pcap4j.core.PcapHandle.PcapDirection.IN);
            PcapHandle send = handle(interfaceName);
            send.setFilter(MATCH_NOTHING, BpfCompileMode.OPTIMIZE);
            LinkPort port = new LinkPort(interfaceName, receive, send, listener, beforeReceiving);
            port.receiveThread.start();
            return port;
        } catch (PcapNativeException | NotOpenException | RuntimeException e) {
            if (receive != null) {
                receive.close();
            }
            throw new IOException("cannot open " + interfaceName + " for raw frames: " + e.getMessage(), e);
        }
    }

    /**
     * When the kernel captured the frame, on {@link System#nanoTime()}'s clock: the capture stamp is
     * CLOCK_REALTIME, taken in the kernel's receive path before our thread woke, so the frame's age
     * is measured on that clock and subtracted from now on ours.
     */
    private static long arrivalNanos(Timestamp captured) {
        long nowNanos = System.nanoTime();
        Instant now = Instant.now();
        return arrivalNanos(Math.floorDiv(captured.getTime(), 1000) * NANOS_PER_SECOND + captured.getNanos(),
                now.getEpochSecond() * NANOS_PER_SECOND + now.getNano(), nowNanos);
    }

    /**
     * Maps a capture stamp onto the monotonic clock. An age that is negative, or older than any
     * stall we would believe, means the wall clock was stepped between the stamp and now (NTP):
     * then the frame counts as arriving now, as it did before stamps were used.
     */
    static long arrivalNanos(long capturedEpochNanos, long nowEpochNanos, long nowNanos) {
        long age = nowEpochNanos - capturedEpochNanos;
        return age >= 0 && age <= MAX_BELIEVED_AGE_NANOS ? nowNanos - age : nowNanos;
    }

    private static PcapHandle handle(String interfaceName) throws PcapNativeException {
        return new PcapHandle.Builder(interfaceName)
                .snaplen(SNAPLEN)
                .promiscuousMode(PromiscuousMode.NONPROMISCUOUS)
                // Immediate mode hands each frame over as it comes; the timeout only wakes an idle
                // handle's poll (10 ms cost an idle agent 0.5 % of a core), and close()'s
                // pcap_breakloop wakes it at once (libpcap 1.10's eventfd).
                .timeoutMillis(1000)
                .immediateMode(true)
                .timestampPrecision(TimestampPrecision.NANO)
                .build();
    }

    private void receiveLoop(RawPacketListener listener) {
        try {
            receiveHandle.loop(-1, listener);
        } catch (InterruptedException e) {
            // breakLoop() from close(): the normal way out.
        } catch (PcapNativeException | NotOpenException | RuntimeException e) {
            if (!closed) {
                LOG.error("receive loop on {} stopped: {}", interfaceName, e.toString());
            }
        }
    }

    /**
     * Sends one frame. A failure is counted and reported to the caller, which decides what repeated
     * failure means (the agent demotes itself).
     */
    public void send(byte[] frame) throws IOException {
        try {
            sendHandle.sendPacket(frame);
        } catch (PcapNativeException | NotOpenException e) {
            sendFailures.incrementAndGet();
            throw new IOException("send on " + interfaceName + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Sends one frame addressed to {@code self} with the IEEE local-experimental EtherType, which
     * nothing processes, so that the first real advert or GARP does not pay for linking libpcap's
     * send function (about a millisecond, measured by deploy/bench/link-path.sh). A switch does
     * not forward a frame back to the port its destination lives on.
     */
    public void warmUp(MacAddress self) {
        byte[] frame = new byte[60];
        EthernetFrames.writeHeader(frame, self, self, 0x88b6);
        try {
            send(frame);
        } catch (IOException e) {
            LOG.warn("warm-up frame on {} not sent: {}", interfaceName, e.getMessage());
        }
    }

    public String interfaceName() {
        return interfaceName;
    }

    public long sendFailures() {
        return sendFailures.get();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (receiveHandle != null) {
            try {
                receiveHandle.breakLoop();
                receiveThread.join(1000);
            } catch (NotOpenException ignored) {
                // Already closed.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            receiveHandle.close();
        }
        sendHandle.close();
    }
}
