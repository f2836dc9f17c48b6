package io.lvsha.state.bench;

import io.lvsha.state.peer.Hello;
import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.peer.PeerLink;
import io.lvsha.state.replica.ReplicationFrames;
import io.lvsha.state.replica.TableReplica;
import io.lvsha.state.replica.TableSource;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.state.sync.SyncCodec;
import io.lvsha.state.sync.SyncMessage;
import io.lvsha.state.table.ConnectionTable;
import io.lvsha.vrrp.IpAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Issue 3's figures, printed (never asserted): codec throughput, a full resync over the real peer
 * link on loopback, and sustained live updates with their lag.
 * <pre>
 *   codec [SECONDS]              v1 encode and decode of IPv4 entries on one core
 *   resync [N]                   N entries, empty backup to in-sync, over TCP on 127.0.0.1 (default 1 000 000)
 *   updates [RATE SECONDS]       RATE connections/s as 40-entry UPDATE frames; lag p50/p99/max (default 100 000, 10)
 * </pre>
 */
public final class ReplicationBenchmark {
    private static final byte[] KEY = "lvs-ha replication benchmark key".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final IpAddress VIP = IpAddress.parse("10.99.0.10");

    private ReplicationBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "codec";
        switch (mode) {
            case "codec" -> codec(arg(args, 1, 5));
            case "resync" -> resync(arg(args, 1, 1_000_000));
            case "updates" -> updates(arg(args, 1, 100_000), arg(args, 2, 10));
            default -> throw new IllegalArgumentException("modes: codec, resync, updates");
        }
        System.exit(0);
    }

    private static int arg(String[] args, int index, int otherwise) {
        return args.length > index ? Integer.parseInt(args[index]) : otherwise;
    }

    static ConnectionRecord connection(int i) {
        return new ConnectionRecord(17, IpAddress.of(new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i}),
                1024 + (i & 0x7fff), VIP, 69, IpAddress.parse("192.168.50.21"), 69, 1, 0x0003, 0, 300, null);
    }

    private static void codec(int seconds) throws Exception {
        List<ConnectionRecord> batch = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            batch.add(connection(i));
        }
        byte[] datagram = SyncCodec.encodeV1(7, batch, SyncCodec.DEFAULT_MAXLEN).get(0);
        for (int round = 0; round < 3; round++) { // the first round warms up
            long encoded = 0;
            long start = System.nanoTime();
            while (System.nanoTime() - start < seconds * 1_000_000_000L) {
                for (int i = 0; i < 1000; i++) {
                    encoded += SyncCodec.encodeV1(7, batch, SyncCodec.DEFAULT_MAXLEN).get(0).length > 0 ? batch.size() : 0;
                }
            }
            double encodeRate = encoded / ((System.nanoTime() - start) / 1e9);
            long decoded = 0;
            start = System.nanoTime();
            while (System.nanoTime() - start < seconds * 1_000_000_000L) {
                for (int i = 0; i < 1000; i++) {
                    SyncMessage message = SyncCodec.decode(datagram, 0, datagram.length, 7);
                    decoded += message.connections().size();
                }
            }
            double decodeRate = decoded / ((System.nanoTime() - start) / 1e9);
            System.out.printf("round %d: encode %.2f M entries/s, decode %.2f M entries/s (40-entry datagrams, one thread)%n",
                    round, encodeRate / 1e6, decodeRate / 1e6);
        }
    }

    /** A master and a backup joined by a real peer link on loopback; the backup applies frames on its link thread. */
    private record Pair(PeerLink master, PeerLink backup) implements AutoCloseable {
        @Override
        public void close() {
            backup.close();
            master.close();
        }
    }

    private static Pair pair(ConnectionTable masterTable, TableReplica replica, java.util.function.Consumer<PeerFrame> backupFrames)
            throws Exception {
        CountDownLatch up = new CountDownLatch(2);
        TableSource source = new TableSource(masterTable);
        AtomicReference<PeerLink> masterLink = new AtomicReference<>();
        InetSocketAddress address;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            address = new InetSocketAddress("127.0.0.1", probe.getLocalPort());
        }
        PeerLink master = PeerLink.listen(new Hello("m", "bench", "x"), KEY, address,
                new PeerLink.Listener() {
                    @Override
                    public void up(Hello peer) {
                        up.countDown();
                    }

                    @Override
                    public void frame(PeerFrame frame) {
                        if (frame.type() == ReplicationFrames.DIGESTS) {
                            source.answer(frame).forEach(masterLink.get()::send);
                        }
                    }

                    @Override
                    public void down(String why) {
                    }
                });
        masterLink.set(master);
        PeerLink backup = PeerLink.connect(new Hello("b", "bench", "x"), KEY, address, new PeerLink.Listener() {
            @Override
            public void up(Hello peer) {
                up.countDown();
            }

            @Override
            public void frame(PeerFrame frame) {
                backupFrames.accept(frame);
            }

            @Override
            public void down(String why) {
            }
        });
        if (!up.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the peer link did not come up");
        }
        return new Pair(master, backup);
    }

    private static void resync(int count) throws Exception {
        for (int round = 0; round < 3; round++) {
            ConnectionTable masterTable = new ConnectionTable();
            for (int i = 0; i < count; i++) {
                masterTable.put(connection(i), 0);
            }
            ConnectionTable backupTable = new ConnectionTable();
            TableReplica replica = new TableReplica(backupTable);
            CountDownLatch done = new CountDownLatch(1);
            try (Pair pair = pair(masterTable, replica, frame -> {
                replica.onFrame(frame, 0);
                if (frame.type() == ReplicationFrames.RESYNC_DONE) {
                    done.countDown();
                }
            })) {
                long start = System.nanoTime();
                pair.backup().send(replica.linkUp());
                if (!done.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no RESYNC_DONE in 60 s");
                }
                long took = System.nanoTime() - start;
                System.out.printf("round %d: full resync of %d entries over the peer link on loopback: %.0f ms (backup holds %d, %s)%n",
                        round, count, took / 1e6, backupTable.size(), replica.status());
            }
        }
    }

    private static void updates(int rate, int seconds) throws Exception {
        int perFrame = 40;
        int frames = rate / perFrame * seconds;
        long[] sentAt = new long[frames];
        long[] lag = new long[frames];
        AtomicInteger received = new AtomicInteger();
        ConnectionTable backupTable = new ConnectionTable();
        TableReplica replica = new TableReplica(backupTable);
        CountDownLatch all = new CountDownLatch(1);
        try (Pair pair = pair(new ConnectionTable(), replica, frame -> {
            replica.onFrame(frame, 0);
            int index = received.getAndIncrement();
            lag[index] = System.nanoTime() - sentAt[index];
            if (index == frames - 1) {
                all.countDown();
            }
        })) {
            List<List<PeerFrame>> prepared = new ArrayList<>(frames);
            for (int f = 0; f < frames; f++) {
                List<ConnectionRecord> batch = new ArrayList<>(perFrame);
                for (int i = 0; i < perFrame; i++) {
                    batch.add(connection(f * perFrame + i));
                }
                prepared.add(TableSource.update(batch, 0));
            }
            // The master's kernel flushes a datagram at a time: one UPDATE frame per 40 connections, paced.
            long intervalNanos = 1_000_000_000L * perFrame / rate;
            ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
            AtomicInteger next = new AtomicInteger();
            long start = System.nanoTime();
            pacer.scheduleAtFixedRate(() -> {
                long due = (System.nanoTime() - start) / intervalNanos + 1;
                while (next.get() < Math.min(due, frames)) {
                    int f = next.getAndIncrement();
                    sentAt[f] = System.nanoTime();
                    prepared.get(f).forEach(pair.master()::send);
                }
            }, 0, 1, TimeUnit.MILLISECONDS);
            boolean finished = all.await(seconds + 30L, TimeUnit.SECONDS);
            pacer.shutdownNow();
            long elapsed = System.nanoTime() - start;
            long[] sorted = Arrays.copyOf(lag, received.get());
            Arrays.sort(sorted);
            System.out.printf("%d connections/s for %d s as %d-entry UPDATE frames: %d/%d frames arrived (%.0f connections/s achieved)%s;"
                            + " lag p50 %.2f ms, p99 %.2f ms, max %.2f ms; backup holds %d%n", rate, seconds, perFrame,
                    received.get(), frames, received.get() * (double) perFrame / (elapsed / 1e9), finished ? "" : " (TIMED OUT)",
                    sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6, sorted[sorted.length - 1] / 1e6,
                    backupTable.size());
        }
    }
}
