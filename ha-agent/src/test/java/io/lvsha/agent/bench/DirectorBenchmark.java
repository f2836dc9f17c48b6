package io.lvsha.agent.bench;

import io.lvsha.agent.director.ApplyReport;
import io.lvsha.agent.director.BackendContext;
import io.lvsha.agent.director.CheckSpec;
import io.lvsha.agent.director.CommandRunner;
import io.lvsha.agent.director.DesiredState;
import io.lvsha.agent.director.Forwarding;
import io.lvsha.agent.director.MarkRule;
import io.lvsha.agent.director.PortRange;
import io.lvsha.agent.director.Protocol;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.Scheduler;
import io.lvsha.agent.director.ServiceKey;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.agent.director.ipvs.IpvsBackend;
import io.lvsha.agent.director.nft.NftablesBackend;
import io.lvsha.agent.health.HealthMonitor;
import io.lvsha.netns.Netns;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Director figures (issue 4), printed, never asserted. Needs root for the namespaces.
 * <pre>
 *   reconcile [SERVICES REALS]   nftables in a fresh namespace and the ipvs batch: apply from
 *                                empty, one weight change, a no-op re-apply (default 100 x 32)
 *   commit [N]                   N replicated flows committed over ctnetlink into a clean namespace, then dumped (default 10000)
 *   checks [N SECONDS]           N TCP checks at 1 s against loopback servers (default 10000, 30 s):
 *                                CPU and heap of this JVM
 * </pre>
 */
public final class DirectorBenchmark {
    private static final int RUNS = 5;

    private DirectorBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "reconcile";
        switch (mode) {
            case "reconcile" -> reconcile(arg(args, 1, 100), arg(args, 2, 32));
            case "commit" -> commit(arg(args, 1, 10_000));
            case "checks" -> {
                // In a namespace of its own with only loopback: the servers listen on every address
                // there, so 10 000 real servers are 10 000 loopback addresses on 50 ports.
                try (Netns lonely = Netns.create("bench-checks")) {
                    Netns.within(lonely.name(), () -> {
                        checks(arg(args, 1, 10_000), arg(args, 2, 30));
                        return null;
                    });
                }
            }
            default -> throw new IllegalArgumentException("modes: reconcile, commit, checks");
        }
        System.exit(0);
    }

    private static int arg(String[] args, int index, int otherwise) {
        return args.length > index ? Integer.parseInt(args[index]) : otherwise;
    }

    static DesiredState services(int services, int reals, int weightOfFirst) {
        List<VirtualService> list = new ArrayList<>();
        for (int s = 0; s < services; s++) {
            List<RealServer> pool = new ArrayList<>();
            for (int r = 0; r < reals; r++) {
                pool.add(new RealServer(IpAddress.parse("10.50." + s + "." + (r + 1)), 0, r == 0 && s == 0 ? weightOfFirst : 1, true));
            }
            IpAddress vip = IpAddress.parse("10.99." + (s / 200) + "." + (s % 200 + 10));
            list.add(new VirtualService("svc" + s, new ServiceKey.Fwmark(s + 1, AddressFamily.IPV4),
                    List.of(new MarkRule(vip, Protocol.UDP, List.of(new PortRange(69, 69), new PortRange(1024, 65535)))),
                    Scheduler.WRR, 300, 32, Forwarding.NAT, false, "tftp", 69, null, null, pool));
        }
        return new DesiredState(list, false);
    }

    private static void reconcile(int services, int reals) throws Exception {
        System.out.printf("desired state: %d fwmark services x %d real servers%n", services, reals);
        try (Netns director = Netns.create("bench-nft")) {
            CommandRunner inside = timed(director);
            long[] empty = new long[RUNS];
            long[] change = new long[RUNS];
            long[] noop = new long[RUNS];
            int operations = 0;
            for (int run = 0; run < RUNS; run++) {
                director.exec("nft", "flush", "ruleset");
                NftablesBackend backend = new NftablesBackend(new BackendContext(inside, null, "nftables"));
                long t0 = System.nanoTime();
                ApplyReport created = backend.apply(services(services, reals, 1));
                long t1 = System.nanoTime();
                ApplyReport changed = backend.apply(services(services, reals, 7));
                long t2 = System.nanoTime();
                ApplyReport same = backend.apply(services(services, reals, 7));
                long t3 = System.nanoTime();
                empty[run] = t1 - t0;
                change[run] = t2 - t1;
                noop[run] = t3 - t2;
                operations = created.commands() + changed.commands() + same.commands();
            }
            String rules = director.exec("nft", "list", "table", "ip", "lvsha");
            System.out.printf("nftables (real nft -f, %d-line table): from empty %s; one weight changed %s; re-apply %s"
                    + " (processes over the three: %d)%n", rules.split("\n").length, stats(empty), stats(change), stats(noop), operations);
        }
        // ipvs: the batch against a recorded kernel table (no IPVS here; the UML test runs it for real)
        List<String> batches = new ArrayList<>();
        String[] kernel = {""};
        CommandRunner recorder = (command, input) -> {
            if (command.contains("-Sn")) {
                return new CommandRunner.Result(0, kernel[0]);
            }
            if (command.contains("-R")) {
                batches.add(input);
                kernel[0] = input;
            }
            return new CommandRunner.Result(0, "");
        };
        IpvsBackend ipvs = new IpvsBackend(new BackendContext(recorder, null, "nftables"));
        long t0 = System.nanoTime();
        ApplyReport created = ipvs.apply(services(services, reals, 1));
        long t1 = System.nanoTime();
        ApplyReport changed = ipvs.apply(services(services, reals, 7));
        long t2 = System.nanoTime();
        System.out.printf("ipvs: from empty %d ipvsadm -R lines in one batch (%.1f ms to read and diff);"
                        + " one weight changed: %d line (%.1f ms), %s%n", batches.get(0).split("\n").length, (t1 - t0) / 1e6,
                batches.get(1).split("\n").length, (t2 - t1) / 1e6, changed.changes());
        System.out.printf("ipvs: %d processes from empty (read, batch, marks), %d for the change (read, batch)%n",
                created.commands(), changed.commands());
    }

    /**
     * {@code count} TFTP data flows to {@code vip}, each from a client address of its own, NATed to
     * real server 192.168.50.21, as a takeover commits them.
     */
    static List<ConnectionRecord> tftpFlows(int count, String vip) {
        List<ConnectionRecord> flows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            flows.add(new ConnectionRecord(17, IpAddress.of(new byte[] {10, 99, (byte) (1 + i / 250), (byte) (1 + i % 250)}),
                    20_000 + i % 30_000, IpAddress.parse(vip), 30_000 + i % 30_000, IpAddress.parse("192.168.50.21"),
                    30_000 + i % 30_000, 0, 1 << 24, 0, 120, null));
        }
        return flows;
    }

    private static void commit(int count) throws Exception {
        List<ConnectionRecord> flows = tftpFlows(count, "10.0.0.10");
        long[] took = new long[RUNS];
        long[] dumped = new long[RUNS];
        for (int run = 0; run < RUNS; run++) {
            try (Netns standby = Netns.create("bench-ct")) {
                standby.exec("nft", "add table ip nat; add chain ip nat post { type nat hook postrouting priority srcnat; }");
                NftablesBackend backend = new NftablesBackend(new BackendContext(timed(standby), null, "nftables"));
                backend.apply(tftpService());
                // The conntrack socket opens at the first call, in the namespace of the thread making it;
                // then what the agent does at start (Balancer's warm-up).
                standby.within(() -> backend.export());
                backend.prepareCommit();
                long start = System.nanoTime();
                int committed = backend.commit(flows);
                took[run] = System.nanoTime() - start;
                start = System.nanoTime();
                int exported = backend.export().size();
                dumped[run] = System.nanoTime() - start;
                String counted = standby.exec("conntrack", "-C").strip();
                if (committed != count || Integer.parseInt(counted) < count || exported != count) {
                    throw new IllegalStateException("committed " + committed + ", conntrack holds " + counted
                            + ", the dump found " + exported + " of ours");
                }
                backend.close();
            }
        }
        System.out.printf("commit of %d replicated TFTP data flows over ctnetlink, in-process: %s%n", count, stats(took));
        System.out.printf("dump of the same %d flows over ctnetlink (the export's repair pass): %s%n", count, stats(dumped));
    }

    /** A TFTP service on the VIP the committed flows belong to, so that the dump keeps them. */
    private static io.lvsha.agent.director.DesiredState tftpService() throws Exception {
        return io.lvsha.agent.config.ConfigLoader.load(java.nio.file.Path.of("../deploy/examples/tftp-nat-director1.yaml"))
                .director().desired();
    }

    private static void checks(int count, int seconds) throws Exception {
        int servers = 50;
        List<ServerSocket> listeners = new ArrayList<>();
        AtomicInteger accepted = new AtomicInteger();
        for (int i = 0; i < servers; i++) {
            ServerSocket listener = new ServerSocket(0, 4096);
            listeners.add(listener);
            Thread thread = new Thread(() -> {
                while (!listener.isClosed()) {
                    try (Socket ignored = listener.accept()) {
                        accepted.incrementAndGet();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            }, "listener-" + i);
            thread.setDaemon(true);
            thread.start();
        }
        // count real servers spread over the listeners: one service per listener port
        List<VirtualService> services = new ArrayList<>();
        int perService = count / servers;
        for (int s = 0; s < servers; s++) {
            List<RealServer> pool = new ArrayList<>();
            for (int r = 0; r < perService; r++) {
                pool.add(new RealServer(IpAddress.of(new byte[] {127, 1, (byte) (r >>> 8), (byte) r}), listeners.get(s).getLocalPort(), 1, true));
            }
            CheckSpec tcp = new CheckSpec(CheckSpec.Type.TCP, 0, "", null, false, null, null, 200, List.of(),
                    1_000_000_000L, 900_000_000L, 3_000_000_000L, 5_000_000_000L, 1, 1);
            services.add(new VirtualService("svc" + s, new ServiceKey.Address(Protocol.TCP, IpAddress.parse("127.0.0.1"), 1000 + s),
                    List.of(), Scheduler.WLC, 0, 32, Forwarding.NAT, false, null, 69, null, tcp, pool));
        }
        AtomicInteger changes = new AtomicInteger();
        var threads = ManagementFactory.getThreadMXBean();
        var runtime = Runtime.getRuntime();
        try (HealthMonitor monitor = new HealthMonitor(services, (service, server, up, why) -> changes.incrementAndGet())) {
            monitor.start();
            Thread.sleep(5_000); // first round spread over an interval, JIT warm
            long cpuBefore = processCpuNanos();
            long listenersBefore = listenerCpuNanos(threads);
            long wallBefore = System.nanoTime();
            int acceptedBefore = accepted.get();
            Thread.sleep(seconds * 1000L);
            long wall = System.nanoTime() - wallBefore;
            double cpu = (processCpuNanos() - cpuBefore) / (double) wall;
            double listenersCpu = (listenerCpuNanos(threads) - listenersBefore) / (double) wall;
            System.gc();
            long heap = runtime.totalMemory() - runtime.freeMemory();
            System.out.printf("%d TCP checks at 1 s for %d s: %.0f connects/s served; CPU %.1f%% of one core for the"
                            + " checks (%.1f%% for the whole JVM, whose 50 accepting servers took %.1f%%), heap after GC %.1f MB,"
                            + " %d health changes%n", perService * servers, seconds, (accepted.get() - acceptedBefore) / (double) seconds,
                    (cpu - listenersCpu) * 100, cpu * 100, listenersCpu * 100, heap / 1e6, changes.get());
        }
        for (ServerSocket listener : listeners) {
            listener.close();
        }
    }

    private static long listenerCpuNanos(java.lang.management.ThreadMXBean threads) {
        long total = 0;
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("listener-")) {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Runs the backend's tools inside {@code netns}. */
    private static CommandRunner timed(Netns netns) {
        CommandRunner processes = CommandRunner.processes(60_000);
        return (command, input) -> {
            List<String> inside = new ArrayList<>(netns.inside());
            inside.addAll(command);
            return processes.run(inside, input);
        };
    }

    private static String stats(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format("min %.1f / median %.1f / max %.1f ms", sorted[0] / 1e6, sorted[sorted.length / 2] / 1e6,
                sorted[sorted.length - 1] / 1e6);
    }
}
