package io.lvsha.vrrp;

import java.util.List;

/**
 * The failover-group rule of DESIGN.md §4 for the channels of one virtual router: when each
 * channel last heard the master, which are down, and which are lost.
 *
 * <p>A channel is <em>lost</em> when its link is down, or when it has been silent for a whole
 * Master_Down_Interval while another channel kept hearing the master at least one advert interval
 * longer. The second condition keeps a dying master (whose last adverts arrive on every channel
 * within microseconds of each other) from raising a channel-lost just before the takeover.
 * Not thread-safe: owned by the {@link VirtualRouter}.
 */
final class ChannelWatch {
    private final int count;
    private final boolean[] up;
    private final boolean[] lost;
    private final long[] lastHeard;
    private final Deadline[] silence;

    ChannelWatch(int count) {
        this.count = count;
        this.up = new boolean[count];
        this.lost = new boolean[count];
        this.lastHeard = new long[count];
        this.silence = new Deadline[count];
        for (int i = 0; i < count; i++) {
            up[i] = true;
            silence[i] = new Deadline();
        }
    }

    boolean isLost(int channel) {
        return lost[channel];
    }

    boolean isUp(int channel) {
        return up[channel];
    }

    /** Starts watching every channel afresh, as if each had just heard the master. */
    void startWatching(long now, long masterDownNanos) {
        for (int i = 0; i < count; i++) {
            lastHeard[i] = now;
            if (up[i] && !lost[i]) {
                silence[i].arm(now + masterDownNanos);
            }
        }
    }

    /** Stops silence detection (we stopped); lost channels stay lost. */
    void stopWatching() {
        for (Deadline deadline : silence) {
            deadline.cancel();
        }
    }

    /**
     * Stops silence detection because we became master. A master hears nobody, so silence says
     * nothing any more: a channel whose link is up is restored (as a link coming up is while master),
     * else a channel lost while backup would show as lost for as long as we are master.
     */
    void stopWatchingAsMaster(List<VrrpAction> out) {
        stopWatching();
        for (int i = 0; i < count; i++) {
            if (lost[i] && up[i]) {
                lost[i] = false;
                out.add(new VrrpAction.ChannelRestored(i));
            }
        }
    }

    /** An advert arrived on {@code channel}; a lost channel with its link up is restored. */
    void heard(int channel, long now, long masterDownNanos, boolean watching, List<VrrpAction> out) {
        lastHeard[channel] = now;
        if (watching) {
            silence[channel].arm(now + masterDownNanos);
        }
        if (lost[channel] && up[channel]) {
            lost[channel] = false;
            out.add(new VrrpAction.ChannelRestored(channel));
        }
    }

    void linkDown(int channel, List<VrrpAction> out) {
        up[channel] = false;
        silence[channel].cancel();
        if (!lost[channel]) {
            lost[channel] = true;
            out.add(new VrrpAction.ChannelLost(channel, "link down"));
        }
    }

    /**
     * @param restoreNow whether a link coming up counts as restored (as master we hear nobody, so
     *     the link state is all we know); as backup the channel waits for an advert
     */
    void linkUp(int channel, boolean restoreNow, List<VrrpAction> out) {
        up[channel] = true;
        if (restoreNow && lost[channel]) {
            lost[channel] = false;
            out.add(new VrrpAction.ChannelRestored(channel));
        }
    }

    /** Marks channels lost whose silence is longer than Master_Down_Interval while another still hears. */
    void detectLost(long now, long masterDownNanos, long adverIntervalNanos, List<VrrpAction> out) {
        for (int i = 0; i < count; i++) {
            if (silence[i].isDue(now)) {
                silence[i].cancel();
            }
            if (!up[i] || lost[i] || silence[i].isArmed() || now - lastHeard[i] < masterDownNanos) {
                continue;
            }
            long silentFor = now - lastHeard[i];
            for (int other = 0; other < count; other++) {
                if (other != i && up[other] && lastHeard[other] - lastHeard[i] > adverIntervalNanos) {
                    lost[i] = true;
                    out.add(new VrrpAction.ChannelLost(i,
                            "no advert for " + silentFor / 1_000_000 + " ms while another channel hears the master"));
                    break;
                }
            }
        }
    }

    /** The earliest silence deadline, folded into {@code candidate}. */
    long earliestDeadline(long candidate, boolean candidateSet) {
        long result = candidate;
        boolean set = candidateSet;
        for (Deadline deadline : silence) {
            if (deadline.isArmed()) {
                result = deadline.earliest(result, set);
                set = true;
            }
        }
        return result;
    }

    boolean anyDeadline() {
        for (Deadline deadline : silence) {
            if (deadline.isArmed()) {
                return true;
            }
        }
        return false;
    }
}
