package io.lvsha.agent.group;

import io.lvsha.agent.vip.VipSet;
import java.util.List;

/** The dataplane side of a takeover or release, as {@link TakeoverExecutor} drives it. HA loop only. */
interface TakeoverSteps {
    /** Which of the channels whose link is up an advert goes out on. */
    enum Channels { ALL, FIRST, REST }

    /** A failure is counted, not thrown (the peer's takeover shows it). */
    void sendAdvert(int priority, Channels which);

    /** On every channel whose link is up. */
    default void sendAdvert(int priority) {
        sendAdvert(priority, Channels.ALL);
    }

    /** Installs the replicated connections; null when this director has nothing to commit. */
    CommitResult commitState();

    /** Whether this takeover commits after the GARP (and the other channels' adverts) instead of before the VIPs. */
    boolean commitsAfterGarp();

    /**
     * Installs the replicated connections off the HA loop; the outcome is reported when it is in.
     *
     * @param cause what the takeover's timings count from
     */
    void commitStateInBackground(long cause);

    /**
     * Adds every VIP, each announced once the moment it is there (the first frame of the burst
     * {@link #announce} completes), so that the first VIP's GARP does not wait for the others' adds.
     */
    List<VipSet.Change> addVips();

    /** Stops the announcements and removes the VIPs. */
    List<VipSet.Change> releaseVips();

    /** Starts an announcement burst at {@code now}; returns the announcements sent. */
    int announce(long now);

    /** What a commit installed, refused (and why), or the error that stopped it. */
    record CommitResult(int installed, int refused, String refusal, String error) {
    }
}
