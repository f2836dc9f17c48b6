package io.lvsha.agent.director.conntrack;

import io.lvsha.arp.NetlinkSocket;
import io.lvsha.arp.ThreadScheduling;
import io.lvsha.agent.director.conntrack.ConntrackMessages.Flow;
import io.lvsha.agent.director.conntrack.ConntrackMessages.Kind;
import io.lvsha.agent.director.conntrack.ConntrackMessages.Message;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Conntrack's NEW, UPDATE and DESTROY events as the kernel multicasts them, read on a thread of
 * its own: a flow is known from its first packet, not from the next dump. The kernel drops events
 * when the socket's buffer is full; the reader then says so, and its owner answers with a dump
 * (as conntrackd does), since hiding the loss with NETLINK_NO_ENOBUFS would leave the copy wrong.
 * The thread runs under SCHED_FIFO where the process may: the replication lag is the time this
 * thread waits to be scheduled (see {@link ThreadScheduling}). Events that this process's own
 * creates caused (a takeover's commit) are left out: those flows are known already.
 */
public final class ConntrackEventReader implements AutoCloseable {
    /** Low among real-time priorities: above every normal thread, below the kernel's own (99). */
    private static final int REALTIME_PRIORITY = 10;
    /** Large enough for a burst of thousands of new flows between two reads on a stalled machine. */
    private static final int RECEIVE_BUFFER_BYTES = 16 << 20;
    /** How often the thread looks whether it should stop. */
    private static final long POLL_MILLIS = 200;

    /** Where the events go, on the reader's thread. */
    public interface Listener {
        /** Flows that appeared or changed, in the order the kernel reported them (one datagram's worth). */
        void changed(List<Flow> flows);

        /** Flows that ended. */
        void ended(List<Flow> flows);

        /** The kernel dropped events: what is known may now be wrong until a dump repairs it. */
        void lost();
    }

    private final NetlinkSocket socket;
    private final Listener listener;
    private final int ownPortId;
    private final boolean skipOwn;
    private final Thread thread;
    private final AtomicLong overruns = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private volatile boolean running = true;

    /**
     * @param groups the event groups to join ({@link ConntrackMessages#GROUPS_NEW_UPDATE_DESTROY},
     *     {@link ConntrackMessages#GROUP_NEW})
     * @param ownPortId the port id of this process's socket that creates entries; its events are not passed on
     */
    public ConntrackEventReader(int groups, Listener listener, int ownPortId) throws IOException {
        this(groups, listener, ownPortId, true);
    }

    /** Every event of {@code groups}: for a process that creates no entries itself. */
    public ConntrackEventReader(int groups, Listener listener) throws IOException {
        this(groups, listener, 0, false);
    }

    private ConntrackEventReader(int groups, Listener listener, int ownPortId, boolean skipOwn) throws IOException {
        this.skipOwn = skipOwn;
        this.listener = listener;
        this.ownPortId = ownPortId;
        socket = new NetlinkSocket(NetlinkSocket.NETLINK_NETFILTER, groups, POLL_MILLIS);
        socket.receiveBuffer(RECEIVE_BUFFER_BYTES);
        thread = new Thread(this::run, "conntrack-events");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        byte[] buffer = new byte[256 * 1024];
        int[] badMessages = new int[1];
        ThreadScheduling.makeCurrentThreadRealtime(REALTIME_PRIORITY, "conntrack events are read");
        try {
            while (running) {
                int length;
                try {
                    length = socket.receive(buffer);
                } catch (NetlinkSocket.OverrunException e) {
                    overruns.incrementAndGet();
                    listener.lost();
                    continue;
                } catch (IOException e) {
                    if (running) {
                        listener.lost();
                    }
                    return;
                }
                if (length > 0) {
                    badMessages[0] = 0;
                    deliver(ConntrackMessages.decode(buffer, length, badMessages));
                    malformed.addAndGet(badMessages[0]);
                }
            }
        } finally {
            // Closed here, on the thread that reads it: a socket closed under a blocked receive
            // could have its number reused by the time the receive returns.
            socket.close();
        }
    }

    /** In the kernel's order: a flow that ends and a new one on the same ports must not swap. */
    private void deliver(List<Message> messages) {
        List<Flow> run = new ArrayList<>();
        boolean runEnds = false;
        for (Message message : messages) {
            if (message.flow() == null || skipOwn && message.portId() == ownPortId) {
                continue;
            }
            boolean ends = message.kind() == Kind.DESTROY;
            if (ends != runEnds && !run.isEmpty()) {
                pass(run, runEnds);
                run = new ArrayList<>();
            }
            runEnds = ends;
            run.add(message.flow());
        }
        if (!run.isEmpty()) {
            pass(run, runEnds);
        }
    }

    private void pass(List<Flow> flows, boolean ended) {
        if (ended) {
            listener.ended(flows);
        } else {
            listener.changed(flows);
        }
    }

    /** Times the kernel dropped events for us. */
    public long overruns() {
        return overruns.get();
    }

    /** Event messages that did not decode. */
    public long malformed() {
        return malformed.get();
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(POLL_MILLIS * 5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
