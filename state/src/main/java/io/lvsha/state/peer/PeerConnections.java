package io.lvsha.state.peer;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening side's admission of peer-link connections: only from allowed addresses (when a
 * list is given), at most {@value #MAX_PER_SOURCE} from one address and {@value #MAX_TOTAL} in
 * all. At a limit, the oldest connection that has not authenticated makes room (a stranger cannot
 * keep the real peer out by connecting first); when every one has, the new one is refused.
 *
 * <p>Not thread-safe: used on the link's one event-loop thread.
 */
final class PeerConnections {
    private static final Logger LOG = LoggerFactory.getLogger(PeerConnections.class);
    static final int MAX_TOTAL = 16;
    static final int MAX_PER_SOURCE = 4;
    /** Refused sources logged one by one, at most: a flood must not flood the log too. */
    private static final int REFUSALS_LOGGED = 64;

    private final Set<InetAddress> allowed;
    private final Predicate<Channel> authenticated;
    /** Oldest first. */
    private final Map<Channel, InetAddress> open = new LinkedHashMap<>();
    private int refusalsLogged;

    /**
     * @param allowed the only source addresses taken; empty for any
     * @param authenticated whether a connection has proved the key
     */
    PeerConnections(Set<InetAddress> allowed, Predicate<Channel> authenticated) {
        this.allowed = Set.copyOf(allowed);
        this.authenticated = authenticated;
    }

    /** Takes {@code channel} in, making room if need be; false (and the channel closed) when it may not stay. */
    boolean admit(Channel channel) {
        InetAddress source = ((InetSocketAddress) channel.remoteAddress()).getAddress();
        if (!allowed.isEmpty() && !allowed.contains(source)) {
            refuse(channel, source, "not in peer-link.allow");
            return false;
        }
        if (count(source) >= MAX_PER_SOURCE && !evictUnauthenticated(source)) {
            refuse(channel, source, MAX_PER_SOURCE + " authenticated connections from it already");
            return false;
        }
        if (open.size() >= MAX_TOTAL && !evictUnauthenticated(null)) {
            refuse(channel, source, MAX_TOTAL + " authenticated connections already");
            return false;
        }
        open.put(channel, source);
        channel.closeFuture().addListener(closed -> open.remove(channel));
        return true;
    }

    private long count(InetAddress source) {
        return open.values().stream().filter(source::equals).count();
    }

    /** Closes the oldest unauthenticated connection (from {@code source}, or from anywhere if null). */
    private boolean evictUnauthenticated(InetAddress source) {
        for (Map.Entry<Channel, InetAddress> connection : open.entrySet()) {
            if ((source == null || source.equals(connection.getValue())) && !authenticated.test(connection.getKey())) {
                Channel oldest = connection.getKey();
                open.remove(oldest);
                oldest.close();
                return true;
            }
        }
        return false;
    }

    private void refuse(Channel channel, InetAddress source, String why) {
        if (refusalsLogged < REFUSALS_LOGGED) {
            refusalsLogged++;
            LOG.warn("peer link from {} refused: {}{}", source.getHostAddress(), why,
                    refusalsLogged == REFUSALS_LOGGED ? " (further refusals are not logged)" : "");
        }
        channel.close();
    }
}
