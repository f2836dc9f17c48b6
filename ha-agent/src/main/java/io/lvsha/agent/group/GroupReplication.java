package io.lvsha.agent.group;

import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.replica.TableSource;
import io.lvsha.state.sync.ConnectionRecord;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Each group's connections to the peer, from the group's master: what the backend exports is
 * split by group ({@link ConnectionGroups}); a group's part goes to the peer at once, in that
 * group's frames, and to the group's table on the HA loop, which answers resyncs and commits at
 * a takeover. With several groups a part goes only while this node masters its group: a node
 * that is the other group's backup does not speak for that group's connections.
 */
final class GroupReplication {
    private final HaLoop loop;
    private final List<GroupController> controllers;
    /** Thread-safe: each puts a frame on the link in its group's envelope. */
    private final List<Predicate<PeerFrame>> senders;
    /** 1 while this node masters the group; written on the HA loop, read on the backend's threads. */
    private final AtomicIntegerArray masters;
    private volatile ConnectionGroups groups;

    GroupReplication(HaLoop loop, List<GroupController> controllers, List<Predicate<PeerFrame>> senders, AgentConfig config) {
        this.loop = loop;
        this.controllers = List.copyOf(controllers);
        this.senders = List.copyOf(senders);
        this.masters = new AtomicIntegerArray(controllers.size());
        reconfigure(config);
    }

    /** Takes (at start and on a reload) which connections each group's table admits, and the table's bound. */
    void reconfigure(AgentConfig config) {
        ConnectionGroups replaced = ConnectionGroups.of(config);
        groups = replaced;
        for (int i = 0; i < controllers.size(); i++) {
            controllers.get(i).peers().admit(replaced.admission(i), config.director().maxConnections());
        }
    }

    /** HA loop: group {@code group}'s mastership, before the backend hears of it. */
    void mastership(int group, boolean master) {
        masters.set(group, master ? 1 : 0);
    }

    /** Whether this node masters any group: the director is master while it does. */
    boolean mastersAny() {
        for (int i = 0; i < masters.length(); i++) {
            if (masters.get(i) == 1) {
                return true;
            }
        }
        return false;
    }

    /** The backend's threads: connections new or changed on this master. */
    void exported(List<ConnectionRecord> exported, long oldestEventRealtimeNanos) {
        forEachSpokenFor(exported, (group, part) -> {
            TableSource.update(part, oldestEventRealtimeNanos).forEach(senders.get(group)::test);
            PeerSession peers = controllers.get(group).peers();
            loop.execute(() -> peers.keep(part));
        });
    }

    /** The backend's threads: connections that ended on this master. */
    void ended(List<ConnectionRecord> ended) {
        forEachSpokenFor(ended, (group, part) -> {
            TableSource.removal(part).forEach(senders.get(group)::test);
            PeerSession peers = controllers.get(group).peers();
            loop.execute(() -> peers.forget(part));
        });
    }

    /** Each group's part of {@code connections} that this node speaks for (it masters the group, or runs only one). */
    private void forEachSpokenFor(List<ConnectionRecord> connections, BiConsumer<Integer, List<ConnectionRecord>> action) {
        List<List<ConnectionRecord>> byGroup = groups.split(connections);
        for (int i = 0; i < byGroup.size(); i++) {
            List<ConnectionRecord> part = byGroup.get(i);
            if (!part.isEmpty() && (controllers.size() == 1 || masters.get(i) == 1)) {
                action.accept(i, part);
            }
        }
    }

    /**
     * HA loop: connections the kernel's sync daemon sent, heard by the mirror: each group's kept
     * in its table (and passed on by a master of one group, as before groups). With several, a
     * group this node masters takes none: its connections are its own kernel's, which it exports;
     * what the peer's kernel still says of them is stale.
     */
    void fromKernel(List<ConnectionRecord> connections) {
        List<List<ConnectionRecord>> byGroup = groups.split(connections);
        for (int i = 0; i < byGroup.size(); i++) {
            List<ConnectionRecord> part = byGroup.get(i);
            if (!part.isEmpty() && (controllers.size() == 1 || masters.get(i) == 0)) {
                controllers.get(i).peers().onConnections(part);
            }
        }
    }
}
