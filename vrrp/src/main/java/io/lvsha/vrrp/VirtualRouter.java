package io.lvsha.vrrp;

import io.lvsha.vrrp.TransitionReason.Cause;
import io.lvsha.vrrp.VrrpAction.AnnounceAddresses;
import io.lvsha.vrrp.VrrpAction.RoleChanged;
import io.lvsha.vrrp.VrrpAction.SendAdvert;
import io.lvsha.vrrp.VrrpEvent.AdvertReceived;
import io.lvsha.vrrp.VrrpEvent.ChannelDown;
import io.lvsha.vrrp.VrrpEvent.ChannelUp;
import io.lvsha.vrrp.VrrpEvent.PriorityChanged;
import io.lvsha.vrrp.VrrpEvent.Shutdown;
import io.lvsha.vrrp.VrrpEvent.Startup;
import io.lvsha.vrrp.VrrpEvent.TimerTick;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RFC 5798 §6.4 state machine of one virtual router (one failover group), for v2 and v3.
 *
 * <p>It never sends, sleeps or reads a clock: {@link #handle(VrrpEvent, long)} takes an event and
 * the time it happened, changes state, and returns what the caller must do, in order. The caller
 * schedules a {@link TimerTick} at {@link #nextDeadline()}. Every role change goes through
 * {@link #changeRole}, which logs and counts it.
 *
 * <p>Beyond the RFC: adverts may arrive on several channels (DESIGN.md §4). Any channel hearing
 * the master keeps it alive, so the backup takes over only when every channel is silent; a channel
 * that falls silent alone is reported as lost (see {@link ChannelWatch}). With a preempt delay,
 * a lower-priority master is tolerated for that long before we preempt it.
 *
 * <p><b>Note:</b> not thread-safe; one thread (the HA loop) owns it.
 */
public final class VirtualRouter {
    private static final Logger LOG = LoggerFactory.getLogger(VirtualRouter.class);
    /**
     * A Master_Down_Timer served later than this means this node itself was stalled (GC, or the
     * whole machine: stalls of seconds hit every process on the shared hosts). The master's adverts
     * were stalled with us and are about to arrive, so the takeover is deferred once, by one
     * advert interval. Only after a stall of our own does this cost anything.
     */
    static final long LATE_TIMER_TOLERANCE_NANOS = 5_000_000L;

    private final VirtualRouterConfig config;
    private final ChannelWatch channels;
    private final Deadline adverTimer = new Deadline();
    private final Deadline masterDownTimer = new Deadline();
    private final Deadline preemptTimer = new Deadline();
    /** {@link VrrpEvent.PreemptHold}: the agent's own reason not to preempt yet. */
    private boolean preemptHeld;
    /** After a switchover away from us: do not preempt the new master until this passes. */
    private final Deadline holdTimer = new Deadline();

    private Role role = Role.INITIALIZE;
    private int priority;
    private int masterAdverIntervalCentis;
    private IpAddress masterAddress;
    private int masterPriority = -1;
    /** Why the Master_Down_Timer is running short: the master resigned, or we refuse a lower master. */
    private Cause pendingTakeoverCause = Cause.MASTER_DOWN;
    /* Counters a metrics thread reads: written by the router's one thread (volatile; rare events). */
    private volatile long impossibleEvents;
    /** The current Master_Down_Timer was already deferred once for being served late. */
    private boolean lateTimerDeferred;
    private volatile long lateTimerDeferrals;

    public VirtualRouter(VirtualRouterConfig config) {
        this.config = config;
        this.channels = new ChannelWatch(config.channels().size());
        this.priority = config.priority();
        this.masterAdverIntervalCentis = config.adverIntervalCentis();
    }

    /**
     * Handles one event at {@code now} (nanoseconds on the caller's monotonic clock).
     *
     * @return the actions to carry out, in order; empty if nothing is to be done
     */
    public List<VrrpAction> handle(VrrpEvent event, long now) {
        List<VrrpAction> out = new ArrayList<>(3);
        if (event instanceof TimerTick) {
            onTimers(now, out);
        } else if (event instanceof AdvertReceived advert) {
            onAdvert(advert.channel(), advert.received(), now, out);
        } else if (event instanceof Startup) {
            onStartup(now, out);
        } else if (event instanceof Shutdown) {
            onShutdown(out);
        } else if (event instanceof PriorityChanged change) {
            onPriorityChanged(change.priority(), now, out);
        } else if (event instanceof ChannelDown down) {
            channels.linkDown(down.channel(), out);
        } else if (event instanceof ChannelUp up) {
            channels.linkUp(up.channel(), role == Role.MASTER, out);
        } else if (event instanceof VrrpEvent.Switchover switchover) {
            onSwitchover(switchover.holdNanos(), now, out);
        } else if (event instanceof VrrpEvent.Resume) {
            holdTimer.cancel();
        } else if (event instanceof VrrpEvent.PreemptHold hold) {
            preemptHeld = hold.held();
        } else if (event instanceof VrrpEvent.MasterLinkLost) {
            onMasterLinkLost(now);
        }
        return out;
    }

    /** RFC 5798 §6.4.1. */
    private void onStartup(long now, List<VrrpAction> out) {
        if (role != Role.INITIALIZE) {
            impossible("Startup in state " + role);
            return;
        }
        if (priority == Advertisement.PRIORITY_OWNER) {
            becomeMaster(new TransitionReason(Cause.STARTUP_AS_OWNER, "address owner (priority 255) at startup"),
                    now, out);
            return;
        }
        masterAdverIntervalCentis = config.adverIntervalCentis();
        becomeBackup(new TransitionReason(Cause.STARTUP, "startup"), now, out);
    }

    /** RFC 5798 §6.4.2 and §6.4.3, Shutdown. */
    private void onShutdown(List<VrrpAction> out) {
        if (role == Role.INITIALIZE) {
            return;
        }
        if (role == Role.MASTER) {
            // The priority-0 advert lets the backup take over after Skew_Time instead of Master_Down_Interval.
            out.add(new SendAdvert(Advertisement.PRIORITY_RESIGN));
        }
        adverTimer.cancel();
        masterDownTimer.cancel();
        preemptTimer.cancel();
        holdTimer.cancel();
        channels.stopWatching();
        changeRole(Role.INITIALIZE, new TransitionReason(Cause.SHUTDOWN, "shutdown"), out);
    }

    /**
     * @return why a {@link VrrpEvent.Switchover} cannot work now, or {@code null} if it can
     */
    public String switchoverRefusal() {
        if (role == Role.INITIALIZE) {
            return "not running (stopped, or in maintenance)";
        }
        if (role == Role.MASTER) {
            return null;
        }
        if (masterPriority <= 0) {
            return "no master is heard: there is nothing to take over from";
        }
        if (!config.preempt()) {
            return "this node is configured nopreempt: it never takes over from a live master;"
                    + " run the switchover on the master instead";
        }
        if (masterPriority >= Advertisement.PRIORITY_OWNER - 1) {
            return "the master's priority " + masterPriority + " cannot be exceeded (the most a backup may have is 254)";
        }
        return null;
    }

    private void onSwitchover(long holdNanos, long now, List<VrrpAction> out) {
        String refusal = switchoverRefusal();
        if (refusal != null) {
            throw new IllegalStateException("switchover refused: " + refusal);
        }
        if (role == Role.MASTER) {
            // Resign as on shutdown, but stay in the group as backup so we take over again if the peer fails.
            out.add(new SendAdvert(Advertisement.PRIORITY_RESIGN));
            holdTimer.arm(now + holdNanos);
            becomeBackup(new TransitionReason(Cause.SWITCHOVER, "switchover requested: resigned with priority 0"),
                    now, out);
            return;
        }
        int raised = masterPriority + 1;
        String master = masterAddress + " priority " + masterPriority;
        priority = Math.max(priority, raised);
        becomeMaster(new TransitionReason(Cause.SWITCHOVER, "switchover requested: priority raised to " + priority
                + " above master " + master), now, out);
    }

    /**
     * The master's agent died (its peer link was closed by its kernel). Its adverts will stop, but
     * waiting a whole Master_Down_Interval to notice is needless: one more advert interval is
     * enough for a master that is in fact alive (the link can break on its own) to show itself.
     */
    private void onMasterLinkLost(long now) {
        if (role != Role.BACKUP || !masterDownTimer.isArmed()) {
            return;
        }
        long sooner = now + AdvertIntervals.skewTimeNanos(config.version(), priority, masterAdverIntervalCentis)
                + masterAdverIntervalNanos();
        if (sooner - masterDownTimer.at() < 0) {
            masterDownTimer.arm(sooner);
            pendingTakeoverCause = Cause.MASTER_AGENT_DIED;
        }
    }

    /** Whether we hold back from preempting: after handing mastership away, or while told to. */
    private boolean holding(long now) {
        if (holdTimer.isDue(now)) {
            holdTimer.cancel();
        }
        return holdTimer.isArmed() || preemptHeld;
    }

    private void onTimers(long now, List<VrrpAction> out) {
        if (role == Role.MASTER && adverTimer.isDue(now)) {
            out.add(new SendAdvert(priority));
            adverTimer.arm(now + AdvertIntervals.centisToNanos(config.adverIntervalCentis()));
        } else if (role == Role.BACKUP) {
            if (masterDownTimer.isDue(now)) {
                if (lateTimerDeferred || now - masterDownTimer.at() <= LATE_TIMER_TOLERANCE_NANOS) {
                    becomeMaster(masterDownReason(), now, out);
                    return;
                }
                lateTimerDeferred = true;
                lateTimerDeferrals++;
                LOG.warn("VRID {}: Master_Down_Timer served {} ms late (this node stalled); waiting one more advert"
                        + " interval for the master's delayed adverts", config.vrid(),
                        (now - masterDownTimer.at()) / 1_000_000);
                masterDownTimer.arm(now + masterAdverIntervalNanos());
            } else if (preemptTimer.isDue(now)) {
                becomeMaster(new TransitionReason(Cause.PREEMPT_LOWER_PRIORITY_MASTER,
                        "preempting " + masterAddress + " priority " + masterPriority + " after preempt delay "
                                + config.preemptDelayNanos() / 1_000_000 + " ms"), now, out);
                return;
            }
            channels.detectLost(now, masterDownIntervalNanos(), masterAdverIntervalNanos(), out);
        }
    }

    private TransitionReason masterDownReason() {
        return switch (pendingTakeoverCause) {
            case MASTER_RESIGNED -> new TransitionReason(Cause.MASTER_RESIGNED,
                    "priority 0 received from " + masterAddress + ", Skew_Time expired");
            case MASTER_AGENT_DIED -> new TransitionReason(Cause.MASTER_AGENT_DIED, "the master's agent died"
                    + " (peer link closed by its kernel) and no advert followed");
            case PREEMPT_LOWER_PRIORITY_MASTER -> new TransitionReason(Cause.PREEMPT_LOWER_PRIORITY_MASTER,
                    "preempting lower-priority master " + masterAddress + " priority " + masterPriority);
            default -> new TransitionReason(Cause.MASTER_DOWN, "master-down timer expired on all channels");
        };
    }

    private void onAdvert(int channel, ReceivedAdvert received, long now, List<VrrpAction> out) {
        channels.heard(channel, now, masterDownIntervalNanos(), role == Role.BACKUP, out);
        Advertisement advert = received.advert();
        switch (role) {
            case BACKUP -> onAdvertAsBackup(received, now);
            case MASTER -> onAdvertAsMaster(channel, received, now, out);
            default -> impossible("ADVERTISEMENT from " + received.source() + " in state Initialize");
        }
        if (role == Role.BACKUP) {
            channels.detectLost(now, masterDownIntervalNanos(), masterAdverIntervalNanos(), out);
        }
        LOG.trace("VRID {} advert from {} priority {} on channel {}", config.vrid(), received.source(),
                advert.priority(), channel);
    }

    /** RFC 5798 §6.4.2, "If an ADVERTISEMENT is received". */
    private void onAdvertAsBackup(ReceivedAdvert received, long now) {
        Advertisement advert = received.advert();
        masterAddress = received.source();
        masterPriority = advert.priority();
        if (advert.priority() == Advertisement.PRIORITY_RESIGN) {
            // The master is leaving: wait only Skew_Time, so the highest-priority backup wins the race.
            masterDownTimer.arm(now + AdvertIntervals.skewTimeNanos(config.version(), priority,
                    masterAdverIntervalCentis));
            pendingTakeoverCause = Cause.MASTER_RESIGNED;
            preemptTimer.cancel();
            return;
        }
        boolean acceptMaster = !config.preempt() || advert.priority() >= priority || holding(now);
        if (acceptMaster) {
            preemptTimer.cancel();
            followMaster(advert, now);
            return;
        }
        // Preempt_Mode and a lower-priority master. RFC: discard, so the Master_Down_Timer runs out and
        // we take over. With a preempt delay we keep following it until the delay has passed.
        if (config.preemptDelayNanos() > 0) {
            if (!preemptTimer.isArmed()) {
                preemptTimer.arm(now + config.preemptDelayNanos());
            }
            followMaster(advert, now);
        } else {
            pendingTakeoverCause = Cause.PREEMPT_LOWER_PRIORITY_MASTER;
        }
    }

    /** Learn the master's interval (v3 only) and reset the Master_Down_Timer. */
    private void followMaster(Advertisement advert, long now) {
        if (config.version() == VrrpVersion.V3) {
            masterAdverIntervalCentis = advert.adverIntervalCentis();
        }
        masterDownTimer.arm(now + masterDownIntervalNanos());
        pendingTakeoverCause = Cause.MASTER_DOWN;
        lateTimerDeferred = false;
    }

    /** RFC 5798 §6.4.3, "If an ADVERTISEMENT is received". */
    private void onAdvertAsMaster(int channel, ReceivedAdvert received, long now, List<VrrpAction> out) {
        Advertisement advert = received.advert();
        IpAddress ownAddress = config.channels().get(channel).primaryAddress();
        if (advert.priority() == Advertisement.PRIORITY_RESIGN) {
            // Another master is resigning: advertise now so the backups see us without waiting.
            sendAdvertNow(now, out);
            return;
        }
        boolean higher = advert.priority() > priority;
        boolean tieWon = advert.priority() == priority && received.source().compareTo(ownAddress) > 0;
        if (higher || tieWon) {
            masterAddress = received.source();
            masterPriority = advert.priority();
            if (config.version() == VrrpVersion.V3) {
                masterAdverIntervalCentis = advert.adverIntervalCentis();
            }
            TransitionReason reason = higher
                    ? new TransitionReason(Cause.HIGHER_PRIORITY_ADVERT,
                            "preempted by " + received.source() + " priority " + advert.priority())
                    : new TransitionReason(Cause.EQUAL_PRIORITY_HIGHER_ADDRESS,
                            "equal priority " + priority + ", " + received.source() + " has the higher address");
            becomeBackup(reason, now, out);
            return;
        }
        // A lower-priority router thinks it is master (a healed split, or it just started): assert
        // ourselves at once and refresh the switches' tables rather than wait for the next advert.
        sendAdvertNow(now, out);
        out.add(new AnnounceAddresses());
    }

    private void onPriorityChanged(int newPriority, long now, List<VrrpAction> out) {
        if (newPriority < 1 || newPriority > Advertisement.PRIORITY_OWNER) {
            throw new IllegalArgumentException("an effective priority is 1..255, not " + newPriority);
        }
        if (newPriority == priority) {
            return;
        }
        priority = newPriority;
        if (role == Role.MASTER) {
            // Tell the backups now: a lowered priority may let one of them preempt us.
            sendAdvertNow(now, out);
        } else if (role == Role.BACKUP && masterPriority > 0 && config.preempt() && priority > masterPriority
                && !holding(now)) {
            if (config.preemptDelayNanos() > 0) {
                preemptTimer.arm(now + config.preemptDelayNanos());
            } else {
                becomeMaster(new TransitionReason(Cause.PRIORITY_RAISED, "priority raised to " + priority
                        + " above master " + masterAddress + " priority " + masterPriority), now, out);
            }
        } else if (role == Role.BACKUP && priority == Advertisement.PRIORITY_OWNER) {
            becomeMaster(new TransitionReason(Cause.PRIORITY_RAISED, "priority raised to 255 (owner)"), now, out);
        }
    }

    private void sendAdvertNow(long now, List<VrrpAction> out) {
        out.add(new SendAdvert(priority));
        adverTimer.arm(now + AdvertIntervals.centisToNanos(config.adverIntervalCentis()));
    }

    /** Send an ADVERTISEMENT, broadcast gratuitous ARP, set Adver_Timer, transition to Master. */
    private void becomeMaster(TransitionReason reason, long now, List<VrrpAction> out) {
        masterDownTimer.cancel();
        preemptTimer.cancel();
        masterAddress = null;
        masterPriority = -1;
        sendAdvertNow(now, out);
        changeRole(Role.MASTER, reason, out);
        out.add(new AnnounceAddresses());
        channels.stopWatchingAsMaster(out);
    }

    /** Cancel Adver_Timer, set Master_Down_Timer to Master_Down_Interval, transition to Backup. */
    private void becomeBackup(TransitionReason reason, long now, List<VrrpAction> out) {
        lateTimerDeferred = false;
        adverTimer.cancel();
        preemptTimer.cancel();
        pendingTakeoverCause = Cause.MASTER_DOWN;
        masterDownTimer.arm(now + masterDownIntervalNanos());
        channels.startWatching(now, masterDownIntervalNanos());
        changeRole(Role.BACKUP, reason, out);
    }

    /** The one place a role changes: same-role is a no-op; every change is logged and returned. */
    private void changeRole(Role to, TransitionReason reason, List<VrrpAction> out) {
        if (role == to) {
            return;
        }
        Role from = role;
        role = to;
        LOG.debug("VRID {} {} -> {} ({})", config.vrid(), from, to, reason);
        out.add(new RoleChanged(from, to, reason));
    }

    /** An event that cannot happen in this state: a bug in the caller, counted and logged once. */
    private void impossible(String what) {
        if (impossibleEvents++ == 0) {
            LOG.error("VRID {}: {}; this is a bug (counted in vrrp.fsm.impossible, logged once)", config.vrid(), what);
        }
    }

    /** Whether a timer is armed; if not, no {@link TimerTick} is needed. */
    public boolean hasDeadline() {
        return adverTimer.isArmed() || masterDownTimer.isArmed() || preemptTimer.isArmed() || channels.anyDeadline();
    }

    /** The earliest armed deadline, in the caller's nanoseconds; meaningful only if {@link #hasDeadline()}. */
    public long nextDeadline() {
        long earliest = adverTimer.earliest(0, false);
        boolean set = adverTimer.isArmed();
        earliest = masterDownTimer.earliest(earliest, set);
        set |= masterDownTimer.isArmed();
        earliest = preemptTimer.earliest(earliest, set);
        set |= preemptTimer.isArmed();
        return channels.earliestDeadline(earliest, set);
    }

    /** Master_Down_Interval for the current Master_Adver_Interval and our effective priority. */
    public long masterDownIntervalNanos() {
        return AdvertIntervals.masterDownIntervalNanos(config.version(), priority, masterAdverIntervalCentis);
    }

    private long masterAdverIntervalNanos() {
        return AdvertIntervals.centisToNanos(masterAdverIntervalCentis);
    }

    public Role role() {
        return role;
    }

    /** The effective priority: the configured one unless changed by {@link PriorityChanged}. */
    public int priority() {
        return priority;
    }

    public int masterAdverIntervalCentis() {
        return masterAdverIntervalCentis;
    }

    /** The master we follow as backup, or {@code null} (we are master, or have heard none). */
    public IpAddress masterAddress() {
        return masterAddress;
    }

    /** The priority the master last advertised, or -1 if unknown. */
    public int masterPriority() {
        return masterPriority;
    }

    /** Whether a switchover's hold keeps us from preempting (as of the last event handled). */
    public boolean isHolding() {
        return holdTimer.isArmed();
    }

    public boolean isChannelLost(int channel) {
        return channels.isLost(channel);
    }

    /** Takeovers deferred because this node served its Master_Down_Timer late (it was stalled). */
    public long lateTimerDeferrals() {
        return lateTimerDeferrals;
    }

    /** Events that cannot happen in their state: each is a bug in the caller. */
    public long impossibleEvents() {
        return impossibleEvents;
    }

    public VirtualRouterConfig config() {
        return config;
    }
}
