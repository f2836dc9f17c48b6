package io.lvsha.agent.director.nft;

import io.lvsha.agent.director.conntrack.ConntrackEventReader;
import io.lvsha.agent.director.conntrack.ConntrackMessages;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.director.conntrack.ConntrackMessages.Flow;
import io.lvsha.agent.lab.RequiresPrograms;
import io.lvsha.arp.NetlinkSocket;
import io.lvsha.netns.Netns;
import io.lvsha.netns.NetnsTest;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.IpAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The in-process conntrack client against this kernel's conntrack, in a namespace with the lab's
 * addresses and NAT: events from a flow's first packet, creates that carry their NAT, the dump,
 * and the overrun a reader that falls behind must learn of.
 */
@NetnsTest
@RequiresPrograms({"nft", "conntrack", "python3", "sysctl"})
class ConntrackNetlinkNetnsTest {
    private static final int SCHED_FIFO = 1;
    private static final IpAddress VIP = IpAddress.parse("10.99.0.10");
    private static final IpAddress CLIENT = IpAddress.parse("10.99.0.100");
    private static final IpAddress RS1 = IpAddress.parse("192.168.50.21");
    private static final IpAddress RS2 = IpAddress.parse("192.168.50.22");
    private Netns director;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void setUp() {
        director = Netns.create("ctnl");
        director.exec("ip", "link", "add", "pub0", "type", "veth", "peer", "name", "pub1");
        director.exec("ip", "link", "set", "pub0", "up");
        director.exec("ip", "link", "set", "pub1", "up");
        director.exec("ip", "addr", "add", "10.99.0.1/24", "dev", "pub0");
        director.exec("ip", "addr", "add", "192.168.50.21/24", "dev", "pub0");
        director.exec("sysctl", "-qw", "net.netfilter.nf_conntrack_timestamp=1");
        director.sh("""
                nft -f - <<'EOF'
                table ip t {
                  chain out { type nat hook output priority -100; ip daddr 10.99.0.10 udp dport 69 dnat to 192.168.50.21:6969; }
                  chain post { type nat hook postrouting priority 100; ip saddr 192.168.50.21 udp sport 56075 snat to 10.99.0.10; }
                }
                EOF""");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
        director.close();
    }

    private <T extends AutoCloseable> T opened(T closeable) {
        open.add(closeable);
        return closeable;
    }

    private void udp(String from, int fromPort, String to, int toPort) {
        director.exec("python3", "-c", "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('"
                + from + "', " + fromPort + ")); s.sendto(b'x', ('" + to + "', " + toPort + "))");
    }

    /** A reader whose flows go to {@code changed} and {@code ended}; events caused by {@code own}'s requests are left out. */
    private ConntrackEventReader reader(BlockingQueue<Flow> changed, BlockingQueue<Flow> ended, ConntrackNetlink own)
            throws Exception {
        int ownPortId = own.portId();
        return opened(director.within(() -> new ConntrackEventReader(ConntrackMessages.GROUPS_NEW_UPDATE_DESTROY, new ConntrackEventReader.Listener() {
            @Override
            public void changed(List<Flow> flows) {
                changed.addAll(flows);
            }

            @Override
            public void ended(List<Flow> flows) {
                ended.addAll(flows);
            }

            @Override
            public void lost() {
            }
        }, ownPortId)));
    }

    @Test
    void eachFlowIsKnownFromItsFirstPacketAndForgottenWhenItEnds() throws Exception {
        BlockingQueue<Flow> changed = new LinkedBlockingQueue<>();
        BlockingQueue<Flow> ended = new LinkedBlockingQueue<>();
        reader(changed, ended, opened(director.within(ConntrackNetlink::new)));
        long sent = System.currentTimeMillis() * 1_000_000L;
        udp("10.99.0.1", 35363, "10.99.0.10", 69);
        Flow request = changed.poll(10, TimeUnit.SECONDS);
        assertNotNull(request, "a NEW event for the first packet");
        assertEquals(new ConnectionRecord(17, IpAddress.parse("10.99.0.1"), 35363, VIP, 69, RS1, 6969, 0, 0, 0,
                request.timeoutSeconds(), null), ConntrackEntries.record(request, Set.of(VIP), Set.of()));
        assertTrue(Math.abs(request.eventRealtimeNanos() - sent) < 60_000_000_000L, "the kernel's time of the event");

        director.exec("conntrack", "-D", "-p", "udp", "--orig-port-dst", "69");
        Flow gone = ended.poll(10, TimeUnit.SECONDS);
        assertNotNull(gone, "a DESTROY event");
        assertEquals(request.original(), gone.original());
    }

    @Test
    void theReaderRunsUnderSchedFifo() throws Exception {
        reader(new LinkedBlockingQueue<>(), new LinkedBlockingQueue<>(), opened(director.within(ConntrackNetlink::new)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int policy = -1;
        while (policy != SCHED_FIFO && System.nanoTime() < deadline) {
            policy = schedulingPolicyOf("conntrack-event"); // the kernel keeps 15 characters of a thread's name
            Thread.sleep(10);
        }
        assertEquals(SCHED_FIFO, policy, "the event thread's policy (/proc/self/task/*/stat field 41)");
    }

    /** Field 41 of the stat of this process's thread named {@code comm}; -1 if there is none. */
    private static int schedulingPolicyOf(String comm) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                if (Files.readString(task.resolve("comm")).strip().equals(comm)) {
                    String stat = Files.readString(task.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    return Integer.parseInt(fields[41 - 3]); // fields[0] is field 3, the state
                }
            }
        }
        return -1;
    }

    @Test
    void theEventsOfOurOwnCreatesAreLeftOut() throws Exception {
        BlockingQueue<Flow> changed = new LinkedBlockingQueue<>();
        ConntrackNetlink conntrack = opened(director.within(ConntrackNetlink::new));
        reader(changed, new LinkedBlockingQueue<>(), conntrack);
        assertEquals(1, conntrack.create(List.of(new ConnectionRecord(17, CLIENT, 40000, VIP, 5000, RS2, 5001, 0, 0, 0,
                120, null))).installed());
        udp("10.99.0.1", 35364, "10.99.0.10", 69); // a packet's flow: its event comes after the create's would have
        Flow first = changed.poll(10, TimeUnit.SECONDS);
        assertNotNull(first, "the packet's NEW event");
        assertEquals(35364, first.original().sourcePort(), "the first event is the packet's, not the create's: " + first);
    }

    @Test
    void createdEntriesCarryTheirNatAndReplaceWhatTheKernelHeldForTheSameFlow() throws Exception {
        ConntrackNetlink conntrack = opened(director.within(ConntrackNetlink::new));
        ConnectionRecord request = new ConnectionRecord(17, CLIENT, 40000, VIP, 5000, RS2, 5001, 0, 0, 0, 120, null);
        ConnectionRecord data = new ConnectionRecord(17, CLIENT, 35363, VIP, 56075, RS1, 56075, 0,
                ConntrackEntries.REAL_SERVER_OPENED, 0, 120, null);
        assertEquals(new ConntrackNetlink.CommitOutcome(2, 0, null), conntrack.create(List.of(request, data)));
        String table = director.exec("conntrack", "-L", "-o", "save");
        assertTrue(table.contains("-s 10.99.0.100 -d 10.99.0.10 -g 192.168.50.22"), "DNAT to the real server: " + table);
        assertTrue(table.contains("-s 192.168.50.21 -d 10.99.0.100 -r 10.99.0.100 -n 10.99.0.10"), "SNAT to the VIP: " + table);

        ConnectionRecord moved = new ConnectionRecord(17, CLIENT, 40000, VIP, 5000, RS1, 5001, 0, 0, 0, 120, null);
        assertEquals(1, conntrack.create(List.of(moved)).installed(), "the replicated copy replaces the kernel's");
        table = director.exec("conntrack", "-L", "-o", "save");
        assertTrue(table.contains("-s 10.99.0.100 -d 10.99.0.10 -g 192.168.50.21"), table);

        List<ConnectionRecord> dumped = new ArrayList<>();
        for (Flow flow : conntrack.dump()) {
            ConnectionRecord record = ConntrackEntries.record(flow, Set.of(VIP), Set.of());
            if (record != null) {
                dumped.add(withoutTimeout(record));
            }
        }
        assertEquals(Set.of(withoutTimeout(moved), withoutTimeout(data)), Set.copyOf(dumped));
    }

    /** Issue 14: one entry the kernel refuses among good ones does not keep the good ones out. */
    @Test
    void anEntryTheKernelRefusesIsCountedAndTheOthersStillGoIn() throws Exception {
        ConntrackNetlink conntrack = opened(director.within(ConntrackNetlink::new));
        ConnectionRecord first = new ConnectionRecord(17, CLIENT, 40001, VIP, 5000, RS1, 5000, 0, 0, 0, 120, null);
        // ICMP has no ports: the kernel refuses an entry keyed like one (EINVAL).
        ConnectionRecord refused = new ConnectionRecord(1, CLIENT, 40002, VIP, 5000, RS1, 5000, 0, 0, 0, 120, null);
        ConnectionRecord last = new ConnectionRecord(17, CLIENT, 40003, VIP, 5000, RS2, 5000, 0, 0, 0, 120, null);
        ConntrackNetlink.CommitOutcome outcome = conntrack.create(List.of(first, refused, last));
        assertEquals(2, outcome.installed(), outcome.toString());
        assertEquals(1, outcome.refused(), outcome.toString());
        assertTrue(outcome.firstRefusal().contains("protocol=1"), outcome.toString());
        String table = director.exec("conntrack", "-L", "-o", "save");
        assertTrue(table.contains("--sport 40001") && table.contains("--sport 40003"), table);
    }

    private static ConnectionRecord withoutTimeout(ConnectionRecord r) {
        return new ConnectionRecord(r.protocol(), r.client(), r.clientPort(), r.virtualAddress(), r.virtualPort(),
                r.realServer(), r.realPort(), r.fwmark(), r.flags(), r.state(), 0, null);
    }

    @Test
    void aReaderThatFallsBehindIsToldEventsWereDropped() throws Exception {
        NetlinkSocket idle = opened(director.within(() -> new NetlinkSocket(NetlinkSocket.NETLINK_NETFILTER,
                ConntrackMessages.GROUPS_NEW_UPDATE_DESTROY, 1000)));
        idle.receiveBuffer(4096);
        ConntrackNetlink conntrack = opened(director.within(ConntrackNetlink::new));
        List<ConnectionRecord> burst = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            burst.add(new ConnectionRecord(17, CLIENT, 10000 + i, VIP, 5000, RS2, 5000, 0, 0, 0, 120, null));
        }
        assertEquals(2000, conntrack.create(burst).installed());
        byte[] buffer = new byte[65536];
        assertThrows(NetlinkSocket.OverrunException.class, () -> {
            while (idle.receive(buffer) > 0) {
                // read what fitted until the kernel's notice of the loss
            }
        });
    }
}
