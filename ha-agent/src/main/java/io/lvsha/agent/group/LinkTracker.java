package io.lvsha.agent.group;

import io.lvsha.agent.config.AgentConfig;
import java.util.List;
import java.util.function.Predicate;

/**
 * Link state of the channel interfaces and of the tracked interfaces, polled by the HA loop.
 * A channel whose link goes down can neither hear nor send; a tracked interface that goes down
 * lowers our priority by its weight, so that a peer with a working public link takes over.
 * HA loop only.
 */
final class LinkTracker {
    private final List<String> channelInterfaces;
    private List<AgentConfig.Track> tracks;
    private final Predicate<String> isUp;
    private final boolean[] channelUp;
    private boolean[] trackUp;

    LinkTracker(List<String> channelInterfaces, List<AgentConfig.Track> tracks, Predicate<String> isUp) {
        this.channelInterfaces = List.copyOf(channelInterfaces);
        this.tracks = List.copyOf(tracks);
        this.isUp = isUp;
        this.channelUp = new boolean[channelInterfaces.size()];
        this.trackUp = new boolean[tracks.size()];
        java.util.Arrays.fill(channelUp, true);
        java.util.Arrays.fill(trackUp, true);
    }

    /** Receives what changed since the last poll. */
    interface Changes {
        void channelLink(int channel, String iface, boolean up);

        void trackedLink(String iface, boolean up);
    }

    void poll(Changes changes) {
        for (int i = 0; i < channelUp.length; i++) {
            boolean up = isUp.test(channelInterfaces.get(i));
            if (up != channelUp[i]) {
                channelUp[i] = up;
                changes.channelLink(i, channelInterfaces.get(i), up);
            }
        }
        for (int i = 0; i < trackUp.length; i++) {
            boolean up = isUp.test(tracks.get(i).iface());
            if (up != trackUp[i]) {
                trackUp[i] = up;
                changes.trackedLink(tracks.get(i).iface(), up);
            }
        }
    }

    /** A reloaded configuration's tracked interfaces; their state is read at the next poll. */
    void replaceTracks(List<AgentConfig.Track> newTracks) {
        tracks = List.copyOf(newTracks);
        trackUp = new boolean[tracks.size()];
        for (int i = 0; i < trackUp.length; i++) {
            trackUp[i] = isUp.test(tracks.get(i).iface());
        }
    }

    boolean isChannelUp(int channel) {
        return channelUp[channel];
    }

    /** The sum of the weights of the tracked interfaces that are down (the weights are negative). */
    int penalty() {
        int penalty = 0;
        for (int i = 0; i < trackUp.length; i++) {
            if (!trackUp[i]) {
                penalty += tracks.get(i).weight();
            }
        }
        return penalty;
    }

    /** Each tracked interface for `status`: its link and what it takes off now. */
    List<java.util.Map<String, Object>> status() {
        List<java.util.Map<String, Object>> terms = new java.util.ArrayList<>();
        for (int i = 0; i < trackUp.length; i++) {
            java.util.Map<String, Object> term = new java.util.LinkedHashMap<>();
            term.put("track", "interface " + tracks.get(i).iface());
            term.put("state", trackUp[i] ? "up" : "down");
            term.put("applied", trackUp[i] ? 0 : tracks.get(i).weight());
            terms.add(term);
        }
        return terms;
    }
}
