package io.lvsha.agent.e2e;

import io.lvsha.arp.LinkPort;
import io.lvsha.netns.Netns;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When each client's first TFTP request crossed a link, captured on ports of the lab's bridge.
 * Where the client's frames enter the bridge ({@link #fromClients}), that is a session's age as
 * its director saw it: a download's process starts some milliseconds before its request leaves,
 * more on a loaded machine, so its start time would make the replication window look longer than
 * it is. Where the director's frames reach the real servers ({@link #forwardedToRealServers}), it
 * is when the director's kernel made the connection, and the last frame seen there is the
 * director's last sign of life: the time a guest stopped by the host does not run is no part of
 * its replication window.
 */
final class FirstRequests implements AutoCloseable {
    private static final int ETHERNET_HEADER = 14;
    private static final int TFTP_PORT = 69;

    private final Map<String, Long> firstNanos = new ConcurrentHashMap<>();
    private final AtomicLong lastNanos = new AtomicLong(Long.MIN_VALUE);
    private final List<LinkPort> ports = new ArrayList<>();

    /** Captures what comes in on {@code interfaceName} of each of {@code namespaces}. */
    private FirstRequests(List<Netns> namespaces, String interfaceName, String filter) throws Exception {
        try {
            for (Netns netns : namespaces) {
                ports.add(netns.within(() -> LinkPort.open(interfaceName, filter, this::seen)));
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** Captures on {@code interfaceName} of {@code netns} the requests that come in from the clients. */
    static FirstRequests fromClients(Netns netns, String interfaceName) throws Exception {
        return new FirstRequests(List.of(netns), interfaceName, "ip and udp dst port " + TFTP_PORT);
    }

    /**
     * Captures on {@code interfaceName} of each real server's namespace the clients' frames to
     * {@code vip} that a direct-routing director forwarded to it.
     */
    static FirstRequests forwardedToRealServers(List<Netns> realServers, String interfaceName, String vip) throws Exception {
        return new FirstRequests(realServers, interfaceName, "ip and udp and dst host " + vip);
    }

    private void seen(byte[] frame, long receivedNanos) {
        if (frame.length < ETHERNET_HEADER + 20) {
            return;
        }
        lastNanos.accumulateAndGet(receivedNanos, Math::max);
        int udp = ETHERNET_HEADER + (frame[ETHERNET_HEADER] & 0x0f) * 4;
        if (frame.length >= udp + 4 && ((frame[udp + 2] & 0xff) << 8 | frame[udp + 3] & 0xff) == TFTP_PORT) {
            int source = ETHERNET_HEADER + 12;
            firstNanos.putIfAbsent((frame[source] & 0xff) + "." + (frame[source + 1] & 0xff) + "."
                    + (frame[source + 2] & 0xff) + "." + (frame[source + 3] & 0xff), receivedNanos);
        }
    }

    /** {@link #of}, once {@code client}'s request was seen, or null if it was not within {@code timeout}. */
    Long await(String client, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Long seen;
        while ((seen = of(client)) == null && System.nanoTime() - deadline < 0) {
            Thread.sleep(1);
        }
        return seen;
    }

    /** {@link System#nanoTime()} when {@code client}'s first request was seen, or null. */
    Long of(String client) {
        return firstNanos.get(client);
    }

    /** {@link System#nanoTime()} of the last frame seen, or null if none was. */
    Long last() {
        long last = lastNanos.get();
        return last == Long.MIN_VALUE ? null : last;
    }

    @Override
    public void close() {
        ports.forEach(LinkPort::close);
    }
}
