package io.lvsha.state.sync;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A token bucket per sender address, so that one host flooding the sync group costs at most
 * {@code perSecond} decodes a second (a master kernel syncing 50 000 new connections a second
 * sends about 1 250 datagrams). The buckets of the senders heard longest ago are forgotten beyond
 * {@link #TRACKED}: a flood from ever new addresses meets a fresh bucket each time, which is why
 * the sender filter, not this, is the defence once the peer's kernel is known. Not thread-safe:
 * one decoder's thread.
 */
final class SourceRateLimit {
    static final int TRACKED = 1024;

    private static final class Bucket {
        double tokens;
        long refilledNanos;
    }

    private final double perSecond;
    private final double burst;
    private final Map<InetAddress, Bucket> buckets = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Bucket> eldest) {
            return size() > TRACKED;
        }
    };

    /** @param perSecond datagrams a second each sender may send; as many may come at once */
    SourceRateLimit(double perSecond) {
        this.perSecond = perSecond;
        this.burst = perSecond;
    }

    /** Whether a datagram from {@code sender} at {@code nowNanos} may be decoded (it takes a token). */
    boolean allow(InetAddress sender, long nowNanos) {
        Bucket bucket = buckets.get(sender);
        if (bucket == null) {
            bucket = new Bucket();
            bucket.tokens = burst;
            bucket.refilledNanos = nowNanos;
            buckets.put(sender, bucket);
        } else {
            bucket.tokens = Math.min(burst, bucket.tokens + (nowNanos - bucket.refilledNanos) * perSecond / 1e9);
            bucket.refilledNanos = nowNanos;
        }
        if (bucket.tokens < 1) {
            return false;
        }
        bucket.tokens--;
        return true;
    }
}
