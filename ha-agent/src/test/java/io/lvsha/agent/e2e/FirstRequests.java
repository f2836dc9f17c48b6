package io.lvsha.agent.e2e;

import io.lvsha.arp.LinkPort;
import io.lvsha.netns.Netns;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each client's first TFTP request crossed its link, captured where the client's frames
 * enter the bridge: a session's age as its director saw it. A download's process starts some
 * milliseconds before its request leaves, more on a loaded machine, so its start time would make
 * the replication window look longer than it is.
 */
final class FirstRequests implements AutoCloseable {
    private static final int IPV4_SOURCE_OFFSET = 14 + 12;

    private final Map<String, Long> firstNanos = new ConcurrentHashMap<>();
    private final LinkPort port;

    /** Captures on {@code interfaceName} of {@code netns} the frames that come in from the client. */
    FirstRequests(Netns netns, String interfaceName) throws Exception {
        port = netns.within(() -> LinkPort.open(interfaceName, "ip and udp dst port 69", (frame, receivedNanos) -> {
            if (frame.length >= IPV4_SOURCE_OFFSET + 4) {
                firstNanos.putIfAbsent((frame[IPV4_SOURCE_OFFSET] & 0xff) + "." + (frame[IPV4_SOURCE_OFFSET + 1] & 0xff) + "."
                        + (frame[IPV4_SOURCE_OFFSET + 2] & 0xff) + "." + (frame[IPV4_SOURCE_OFFSET + 3] & 0xff), receivedNanos);
            }
        }));
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

    @Override
    public void close() {
        port.close();
    }
}
