package io.lvsha.vrrp;

/** What can happen to a {@link VirtualRouter}. Each is handled at a time {@code now} given with it. */
public sealed interface VrrpEvent {
    /** RFC 5798 §6.4.1 Startup. */
    record Startup() implements VrrpEvent {
    }

    /** RFC 5798 §6.4.2/§6.4.3 Shutdown: a master resigns with priority 0 on the way out. */
    record Shutdown() implements VrrpEvent {
    }

    /** Time passed: every timer whose deadline is at or before {@code now} fires. */
    record TimerTick() implements VrrpEvent {
    }

    /**
     * An advert that passed {@link AdvertCodec} and {@link ReceiveFilter}.
     *
     * @param channel index into {@link VirtualRouterConfig#channels()}
     */
    record AdvertReceived(int channel, ReceivedAdvert received) implements VrrpEvent {
    }

    /** The effective priority changed (interface tracking, an operator, a switchover). 1..255. */
    record PriorityChanged(int priority) implements VrrpEvent {
    }

    /**
     * An operator hands mastership over. As master: resign with priority 0 and stay backup, not
     * preempting back, for {@code holdNanos} or until {@link Resume}. As backup: raise the
     * priority above the master's and take over at once. Check {@link VirtualRouter#switchoverRefusal()} first.
     */
    record Switchover(long holdNanos) implements VrrpEvent {
    }

    /** Ends a switchover's hold: preemption rules apply again. */
    record Resume() implements VrrpEvent {
    }

    /**
     * While {@code held}, a backup follows a lower-priority master instead of preempting it (a
     * director that came back does not take mastership before it holds the connection table). A
     * master that dies is still replaced: the Master_Down_Timer is not held.
     */
    record PreemptHold(boolean held) implements VrrpEvent {
    }

    /**
     * The peer agent's link closed as only its kernel closes it: the agent process died. A backup
     * takes over after Skew_Time + one advert interval, unless an advert proves the master alive.
     */
    record MasterLinkLost() implements VrrpEvent {
    }

    /** A channel's link went down: nothing can be heard or sent on it. */
    record ChannelDown(int channel) implements VrrpEvent {
    }

    /** A channel's link came back. */
    record ChannelUp(int channel) implements VrrpEvent {
    }
}
