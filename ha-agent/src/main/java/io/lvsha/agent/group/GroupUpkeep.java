package io.lvsha.agent.group;

import io.lvsha.agent.vip.VipSet;
import io.lvsha.arp.AnnouncementSchedule;
import io.lvsha.vrrp.Role;

/**
 * A group's upkeep beside the VRRP timers: leftover VIPs at start, link polls, the drop report and
 * the replicated table's repair cycle, the master's VIP lifetime renewal, its scheduled and
 * requested announcements. HA loop only.
 */
final class GroupUpkeep {
    private static final long LINK_POLL_NANOS = 100_000_000L;
    private static final long DROP_REPORT_NANOS = 10_000_000_000L;
    /** How often a master renews its VIPs' kernel lifetime (at least 5 s: VipSet). */
    private static final long VIP_RENEW_NANOS = 1_000_000_000L;

    private final VipSet vips;
    private final AnnouncementSchedule announcements;
    private final LinkTracker links;
    private final PeerSession peers;
    private final GroupReporter reporter;
    private long nextLinkPoll;
    private long nextDropReport;
    private long nextVipRenewal;
    private boolean renewalFailing;

    GroupUpkeep(VipSet vips, AnnouncementSchedule announcements, LinkTracker links, PeerSession peers,
                GroupReporter reporter) {
        this.vips = vips;
        this.announcements = announcements;
        this.links = links;
        this.peers = peers;
        this.reporter = reporter;
    }

    /** Removes the VIPs an earlier run left behind, and starts the clocks. */
    void start(long now) {
        for (VipSet.Change change : vips.removeAll()) {
            if (change.changed()) {
                reporter.leftoverVipRemoved(change);
            }
        }
        nextLinkPoll = now + LINK_POLL_NANOS;
        nextDropReport = now + DROP_REPORT_NANOS;
        nextVipRenewal = now + VIP_RENEW_NANOS;
    }

    long nextDeadline() {
        long next = earlier(nextLinkPoll, earlier(nextDropReport, nextVipRenewal));
        return announcements.hasDeadline() ? earlier(next, announcements.nextDeadline()) : next;
    }

    static long earlier(long a, long b) {
        return a - b < 0 ? a : b;
    }

    /** Does what is due at {@code now}; link changes go to {@code changes}. */
    void run(long now, Role role, LinkTracker.Changes changes) {
        int due = announcements.poll(now);
        if (due > 0 && role == Role.MASTER) {
            int sent = vips.announce(due);
            reporter.garpSent(sent, sent + " announcements (" + due + " per VIP, scheduled)", "scheduled");
        }
        if (now - nextLinkPoll >= 0) {
            nextLinkPoll = now + LINK_POLL_NANOS;
            links.poll(changes);
            peers.tick(now);
        }
        if (now - nextDropReport >= 0) {
            nextDropReport = now + DROP_REPORT_NANOS;
            reporter.drops(DROP_REPORT_NANOS / 1_000_000_000L);
            peers.verify(); // the repair cycle, every 10 s
        }
        if (now - nextVipRenewal >= 0) {
            nextVipRenewal = now + VIP_RENEW_NANOS;
            if (role == Role.MASTER) {
                renewVips(now);
            }
        }
    }

    void replacePlan(AnnouncementSchedule.Plan garp) {
        announcements.replacePlan(garp);
    }

    /** An operator's announcement burst; returns the announcements sent. */
    int announceNow(long now) {
        int sent = vips.announce(announcements.start(now));
        reporter.garpSent(sent, sent + " announcements (requested by an operator)", "operator");
        return sent;
    }

    /**
     * Renews the VIPs' lifetimes. A VIP that was gone (its lifetime ran out while the loop was
     * held up) is back, and announced; a failure is reported when it starts and when it ends.
     */
    private void renewVips(long now) {
        boolean restored = false;
        boolean failing = false;
        for (VipSet.Change change : vips.addAll()) {
            if (change.error() != null) {
                failing = true;
                if (!renewalFailing) {
                    reporter.vipChange(change);
                }
            } else if (change.changed()) {
                restored = true;
                reporter.vipExpiredAndBack(change, vips.lifetimeSeconds());
            }
        }
        if (renewalFailing && !failing) {
            reporter.vipRenewalRecovered();
        }
        renewalFailing = failing;
        if (restored) {
            int sent = vips.announce(announcements.start(now));
            reporter.garpSent(sent, sent + " announcements (VIPs back after expiry)", "restored");
        }
    }
}
