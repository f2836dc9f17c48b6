package io.lvsha.agent.group;

import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.director.PartialCommitException;
import io.lvsha.agent.vip.VipSet;
import io.lvsha.arp.AnnouncementSchedule;
import io.lvsha.state.sync.ConnectionRecord;
import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

/** The group's channels, VIPs, announcements and the connection commit, as the takeover steps. HA loop only. */
final class GroupDataplane implements TakeoverSteps {
    private final List<HeartbeatChannel> channels;
    private final LinkTracker links;
    private final VipSet vips;
    private final AnnouncementSchedule announcements;
    private final Supplier<List<ConnectionRecord>> replicated;
    /** null = nothing to commit (the kernel's sync daemon fills the table, or no director). */
    private ConnectionCommitter committer;
    private BackgroundCommits backgroundCommitted = (result, cause) -> { };
    /** Written on the HA loop, read by the metrics thread. */
    private volatile long advertSendFailures;
    /** Announcements per VIP that {@link #addVips} sent, which the burst of {@link #announce} counts in. */
    private int announcedOnAdd;
    private int sentOnAdd;

    GroupDataplane(List<HeartbeatChannel> channels, LinkTracker links, VipSet vips, AnnouncementSchedule announcements,
                   Supplier<List<ConnectionRecord>> replicated) {
        this.channels = List.copyOf(channels);
        this.links = links;
        this.vips = vips;
        this.announcements = announcements;
        this.replicated = replicated;
    }

    /**
     * Also runs the commit's code once, reading the table and installing nothing: a takeover's
     * first commit otherwise loaded its classes there, about 0.5 ms before the VIPs (measured).
     */
    void commitStateWith(ConnectionCommitter newCommitter) {
        this.committer = newCommitter;
        replicated.get();
        commit(newCommitter, List.of());
    }

    @Override
    public void sendAdvert(int priority, Channels which) {
        boolean first = true;
        for (HeartbeatChannel channel : channels) {
            if (!links.isChannelUp(channel.index())) {
                continue;
            }
            boolean send = which == Channels.ALL || (which == Channels.FIRST) == first;
            first = false;
            if (!send) {
                continue;
            }
            try {
                channel.sendAdvert(priority);
            } catch (IOException e) {
                // Counted; repeated failure shows as the peer taking over, reported on its side.
                advertSendFailures++;
            }
        }
    }

    @Override
    public CommitResult commitState() {
        return committer == null ? null : commit(committer, replicated.get());
    }

    @Override
    public void commitStateInBackground(long cause) {
        if (committer == null) {
            return;
        }
        ConnectionCommitter committing = committer;
        BackgroundCommits sink = backgroundCommitted;
        List<ConnectionRecord> records = replicated.get();
        committing.afterGarpThread().execute(() -> sink.committed(commit(committing, records), cause));
    }

    /** Told, on the committer's thread, of a commit that ran in the background. */
    interface BackgroundCommits {
        void committed(CommitResult result, long cause);
    }

    void reportBackgroundCommitsTo(BackgroundCommits sink) {
        this.backgroundCommitted = sink;
    }

    private static CommitResult commit(ConnectionCommitter committer, List<ConnectionRecord> records) {
        try {
            return new CommitResult(committer.commit(records), 0, null, null);
        } catch (PartialCommitException partly) {
            return new CommitResult(partly.installed(), partly.refused(), partly.getMessage(), null);
        } catch (Exception e) {
            return new CommitResult(0, 0, null, String.valueOf(e.getMessage()));
        }
    }

    @Override
    public boolean commitsAfterGarp() {
        return committer != null && committer.commitsAfterGarp();
    }

    @Override
    public List<VipSet.Change> addVips() {
        announcedOnAdd = announcements.burst() > 0 ? 1 : 0;
        List<VipSet.Change> changes = announcedOnAdd > 0 ? vips.addAllAnnouncing() : vips.addAll();
        sentOnAdd = announcedOnAdd * (int) changes.stream().filter(change -> change.error() == null).count();
        return changes;
    }

    @Override
    public List<VipSet.Change> releaseVips() {
        announcements.stop();
        return vips.removeAll();
    }

    @Override
    public int announce(long now) {
        int perVip = announcements.start(now) - announcedOnAdd;
        int sent = sentOnAdd + vips.announce(Math.max(0, perVip));
        announcedOnAdd = 0;
        sentOnAdd = 0;
        return sent;
    }

    long garpSendFailures() {
        return vips.announcementFailures();
    }

    long advertSendFailures() {
        return advertSendFailures;
    }

    List<HeartbeatChannel> channels() {
        return channels;
    }

    boolean isChannelUp(int channel) {
        return links.isChannelUp(channel);
    }

    /** How many VIPs the group floats (from the config: no kernel is asked). */
    int vipCount() {
        return vips.vips().size();
    }

    /** Per configured VIP, whether it is on this node now: a dump of the interfaces' addresses, for status only. */
    List<Boolean> vipsPresent() {
        return vips.present();
    }
}
