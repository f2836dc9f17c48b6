package io.lvsha.agent.director.nft;

import io.lvsha.agent.director.conntrack.ConntrackEventReader;
import io.lvsha.agent.director.conntrack.ConntrackMessages;
import io.lvsha.arp.NetlinkSocket;
import io.lvsha.agent.director.conntrack.ConntrackMessages.Flow;
import io.lvsha.agent.director.conntrack.ConntrackMessages.Kind;
import io.lvsha.agent.director.conntrack.ConntrackMessages.Message;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.IpAddress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The conntrack table of this node's network namespace over ctnetlink, in-process: a dump of every
 * entry, and a batch of creates in as few system calls as the socket buffer allows (no
 * {@code conntrack} process on the takeover path). The event stream is {@link ConntrackEventReader}.
 *
 * <p>Thread-safe: requests are serialised.
 */
final class ConntrackNetlink implements AutoCloseable {
    private static final int RECEIVE_TIMEOUT_MILLIS = 2000;
    /** One send: well under the default socket send buffer (208 KiB), many creates per system call. */
    private static final int BATCH_BYTES = 64 * 1024;
    private static final int EEXIST = 17;
    private static final int EOPNOTSUPP = 95;

    /** What a batch of creates did. */
    record CommitOutcome(int installed, int refused, String firstRefusal) {
    }

    private final NetlinkSocket socket;
    private final byte[] receiveBuffer = new byte[256 * 1024];
    private final int[] malformed = new int[1];
    private int sequence;

    ConntrackNetlink() throws IOException {
        socket = new NetlinkSocket(NetlinkSocket.NETLINK_NETFILTER, 0, RECEIVE_TIMEOUT_MILLIS);
        socket.receiveBuffer(4 << 20);
    }

    /** The port id of this client's socket, which the kernel writes into the events its creates cause. */
    int portId() throws IOException {
        return socket.portId();
    }

    /** Every IPv4 entry in the table now. */
    synchronized List<Flow> dump() throws IOException {
        int request = ++sequence;
        byte[] message = ConntrackMessages.dumpRequest(request);
        socket.send(message, message.length);
        List<Flow> flows = new ArrayList<>();
        while (true) {
            for (Message reply : receive()) {
                if (reply.sequence() != request) {
                    continue;
                }
                if (reply.kind() == Kind.DONE) {
                    return flows;
                }
                if (reply.kind() == Kind.ERROR && reply.error() != 0) {
                    throw new IOException("the kernel refused the conntrack dump: errno " + -reply.error());
                }
                if (reply.flow() != null) {
                    flows.add(reply.flow());
                }
            }
        }
    }

    /**
     * Creates an entry for each record, many per system call. An entry the kernel refuses is
     * counted and the rest still go in (where {@code conntrack -R} stops at the first). An entry this kernel holds already for the same flow (kept since this
     * node was last master) is replaced: the replicated copy is the master's, the kernel's may
     * point at another real server.
     */
    synchronized CommitOutcome create(List<ConnectionRecord> records) throws IOException {
        List<Request> creates = records.stream().<Request>map(record -> (out, seq) -> ConntrackEntries.appendCreate(out, seq, record))
                .toList();
        int[] errors = send(creates);
        List<Request> replacements = new ArrayList<>();
        List<Integer> replaced = new ArrayList<>();
        for (int i = 0; i < errors.length; i++) {
            if (errors[i] == -EEXIST || errors[i] == -EOPNOTSUPP) {
                ConnectionRecord record = records.get(i);
                replacements.add((out, seq) -> ConntrackEntries.appendDelete(out, seq, record));
                replacements.add(creates.get(i));
                replaced.add(i);
            }
        }
        if (!replacements.isEmpty()) {
            int[] second = send(replacements);
            for (int j = 0; j < replaced.size(); j++) {
                errors[replaced.get(j)] = second[2 * j + 1];
            }
        }
        int installed = 0;
        String firstRefusal = null;
        for (int i = 0; i < errors.length; i++) {
            if (errors[i] == 0) {
                installed++;
            } else if (firstRefusal == null) {
                firstRefusal = "errno " + -errors[i] + " for " + records.get(i);
            }
        }
        return new CommitOutcome(installed, records.size() - installed, firstRefusal);
    }

    /**
     * Encodes {@code count} creates of the shape a takeover commits (TFTP data flows the real server
     * opened) into a scratch batch, as {@link #create} would, and sends nothing: made one at a time,
     * so nothing of it is kept.
     */
    static void encodeSyntheticCreates(int count) {
        ByteBuffer batch = ByteBuffer.allocate(BATCH_BYTES);
        IpAddress vip = IpAddress.of(new byte[] {10, 0, 0, 1});
        IpAddress realServer = IpAddress.of(new byte[] {10, 0, 0, 2});
        for (int i = 0; i < count; i++) {
            ConnectionRecord record = new ConnectionRecord(17, IpAddress.of(new byte[] {10, 0, (byte) (i >> 8), (byte) i}),
                    1024 + i, vip, 1024 + i, realServer, 1024 + i, 0, ConntrackEntries.REAL_SERVER_OPENED, 0, 120, null);
            if (!ConntrackEntries.appendCreate(batch, i + 1, record)) {
                batch.clear();
                ConntrackEntries.appendCreate(batch, i + 1, record);
            }
        }
    }

    /** Writes one request into a batch; false when the batch lacks the room. */
    @FunctionalInterface
    private interface Request {
        boolean append(ByteBuffer out, int sequence);
    }

    /**
     * Sends the requests in batches of {@link #BATCH_BYTES}; returns each one's error (0 = done).
     * Only failures are answered, and the end of each batch ({@link ConntrackMessages#appendEndOfBatch}).
     */
    private int[] send(List<Request> requests) throws IOException {
        int[] errors = new int[requests.size()];
        ByteBuffer batch = ByteBuffer.allocate(BATCH_BYTES);
        int next = 0;
        while (next < requests.size()) {
            batch.clear();
            int firstIndex = next;
            int firstSequence = sequence + 1;
            while (next < requests.size() && requests.get(next).append(batch, sequence + 1)) {
                sequence++;
                next++;
            }
            if (next == firstIndex) {
                throw new IOException("a conntrack request does not fit in " + BATCH_BYTES + " bytes");
            }
            int end = ++sequence;
            ConntrackMessages.appendEndOfBatch(batch, end);
            socket.send(batch.array(), batch.position());
            boolean ended = false;
            while (!ended) {
                for (Message reply : receive()) {
                    if (reply.kind() != Kind.ERROR) {
                        continue;
                    }
                    if (reply.sequence() == end) {
                        ended = true;
                    } else if (reply.sequence() >= firstSequence && reply.sequence() < end) {
                        errors[firstIndex + reply.sequence() - firstSequence] = reply.error();
                    }
                }
            }
        }
        return errors;
    }

    private List<Message> receive() throws IOException {
        int length = socket.receive(receiveBuffer);
        if (length == 0) {
            throw new IOException("no answer from the kernel's ctnetlink in " + RECEIVE_TIMEOUT_MILLIS + " ms");
        }
        return ConntrackMessages.decode(receiveBuffer, length, malformed);
    }

    @Override
    public synchronized void close() {
        socket.close();
    }
}
