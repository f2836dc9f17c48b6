package io.lvsha.agent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.lab.LabFiles;
import io.lvsha.agent.lab.RequiresPrograms;
import io.lvsha.agent.lab.Uml;
import io.lvsha.netns.Netns;
import io.lvsha.netns.NetnsTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 5, the direct-routing layout on real kernels: two User-Mode Linux directors with IPVS, each
 * running ha-agent with the ipvs backend (the agent inside the guest, as on a real director), two
 * real servers with the VIP on loopback and ARP suppressed, running tftpd-hpa, and 40 curl TFTP
 * clients, each from its own address (persistence is per client). The master guest is killed
 * mid-transfer.
 */
@NetnsTest
@ExtendWith(Uml.HostCanRunUml.class)
@RequiresPrograms({"linux.uml", "/usr/lib/uml/modules", "taskset", "modprobe", "ipvsadm", "iptables-legacy", "in.tftpd", "curl", "sysctl", "timeout"})
class UmlTftpFailoverNetnsTest {
    private static final String VIP = "10.98.0.10";
    private static final int CLIENTS = 40;
    private static final int MEGABYTES = 8;
    private static final Duration BOOT = Duration.ofSeconds(120);

    private final List<Netns> namespaces = new ArrayList<>();
    private final List<Uml> directors = new ArrayList<>();
    private Netns lab;
    private Netns client;
    @RegisterExtension
    final LabFiles files = LabFiles.perTest();
    private Path dir;
    private String imageSha256;

    @BeforeEach
    void setUp() throws Exception {
        dir = files.dir();
        lab = netns("umltftp");
        lab.exec("ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
        lab.exec("ip", "addr", "add", "10.98.0.1/24", "dev", "br0");
        lab.exec("ip", "link", "set", "br0", "up");
        client = netns("umltftpcl");
        attach(client, "cl");
        client.exec("ip", "addr", "add", "10.98.0.100/24", "dev", "eth0");
        for (int i = 0; i < CLIENTS; i++) {
            client.exec("ip", "addr", "add", "10.98.1." + (i + 1) + "/16", "dev", "eth0");
        }
        byte[] image = new byte[MEGABYTES << 20];
        new Random(7).nextBytes(image);
        imageSha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image));
        for (int r = 1; r <= 2; r++) {
            Netns real = netns("umltftprs" + r);
            attach(real, "rs" + r);
            real.exec("ip", "addr", "add", "10.98.0.2" + r + "/16", "dev", "eth0");
            // Direct routing: the VIP on loopback, never answered for in ARP (the seed's ARP limitation).
            real.exec("ip", "addr", "add", VIP + "/32", "dev", "lo");
            real.exec("sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
                    "net.ipv4.conf.eth0.arp_ignore=1", "net.ipv4.conf.eth0.arp_announce=2");
            Path files = Files.createDirectories(dir.resolve("rs" + r));
            Files.write(files.resolve("image.bin"), image);
            files.toFile().setReadable(true, false);
            files.resolve("image.bin").toFile().setReadable(true, false);
            new ProcessBuilder(real.inside("in.tftpd", "-L", "-s", files.toString(), "-a", VIP + ":69"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("tftpd-rs" + r + ".log").toFile()).start();
        }
        for (int d = 1; d <= 2; d++) {
            lab.exec("ip", "tuntap", "add", "dev", "umltap" + d, "mode", "tap");
            lab.exec("ip", "link", "set", "umltap" + d, "master", "br0", "up");
        }
    }

    @AfterEach
    void tearDown() {
        directors.forEach(Uml::close);
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            namespaces.get(i).close();
        }
    }

    private Netns netns(String role) {
        Netns netns = Netns.create(role);
        namespaces.add(netns);
        return netns;
    }

    private void attach(Netns netns, String port) {
        Netns.link(lab, "p-" + port, netns, "eth0");
        lab.exec("ip", "link", "set", "p-" + port, "master", "br0");
    }

    /** Boots director d (1 or 2) and starts ha-agent inside it. */
    private Uml director(int d, int priority, boolean replicate) throws Exception {
        Path home = Files.createDirectories(dir.resolve("d" + d));
        home.toFile().setReadable(true, false);
        home.toFile().setExecutable(true, false);
        Uml uml = Uml.boot(lab.name(), "umltap" + d, "10.98.0.1" + d + "/16", home, d - 1);
        directors.add(uml);
        Path key = dir.resolve("peer.key");
        if (!Files.exists(key)) {
            Files.writeString(key, "lvs-ha uml lab peer-link key, not secret");
            key.toFile().setReadable(true, false);
        }
        String yaml = """
                node: d%d
                group:
                  vrid: 52
                  priority: %d
                  advert-interval: 500ms
                  channels: [{name: public, interface: vec0}]
                vips: [{address: %s/16, interface: vec0}]
                events: {file: /run/events.jsonl}
                admin: {socket: /run/admin.sock}
                director: {backend: ipvs, mark-tool: iptables-legacy}
                services:
                  - name: tftp
                    fwmark: 1
                    match: [{vip: %s, protocol: udp, ports: [69, 1024-65535]}]
                    scheduler: wlc
                    persistence: 300s
                    forwarding: dr
                    real-servers: [{address: 10.98.0.21}, {address: 10.98.0.22}]
                """.formatted(d, priority, VIP, VIP);
        if (replicate) {
            yaml += "sync: {interface: vec0, syncid: 7}\n" + (d == 1
                    ? "peer-link: {listen: \"10.98.0.11:7311\", key-file: " + key + "}\n"
                    : "peer-link: {connect: \"10.98.0.11:7311\", key-file: " + key + "}\n");
        }
        Path config = home.resolve("agent.yaml");
        Files.writeString(config, yaml);
        config.toFile().setReadable(true, false);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path start = home.resolve("start-agent.sh");
        // The guest's root is the host's, read-only: temporary files (Netty's and JNA's native
        // libraries) go to the guest's own /run.
        Files.writeString(start, "#!/bin/sh\nmkdir -p /run/tmp\nexec " + java + " -Xmx128m -XX:+UseSerialGC"
                + " -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Djava.io.tmpdir=/run/tmp -Djna.tmpdir=/run/tmp"
                + " -cp " + System.getProperty("java.class.path") + " io.lvsha.agent.Main --config " + config
                + " > /run/agent.out 2>&1\n");
        start.toFile().setReadable(true, false);
        Path ctl = home.resolve("ha-agentctl.sh");
        Files.writeString(ctl, "#!/bin/sh\nexec " + java + " -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Djava.io.tmpdir=/run/tmp"
                + " -cp " + System.getProperty("java.class.path") + " io.lvsha.agent.ctl.AgentCtl --socket /run/admin.sock \"$@\"\n");
        ctl.toFile().setReadable(true, false);
        uml.shell("sh " + start + " &");
        return uml;
    }

    private static String events(Uml uml) throws Exception {
        return uml.shell("cat /run/events.jsonl 2>/dev/null; true").output();
    }

    private static void awaitEvent(Uml uml, String what, String fragment, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (events(uml).contains(fragment)) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(what + ": no " + fragment + " in " + events(uml) + "\nagent output: "
                + uml.shell("tail -30 /run/agent.out").output());
    }

    /**
     * 40 curl downloads, each from its own address, half at 512-byte blocks and half at 1468,
     * each at least 1 MiB in; curl gives up after {@code maxSeconds} (a transfer sent to the wrong
     * real server only ever gets ICMP port-unreachable, which curl's TFTP ignores).
     */
    private Downloads downloadsUnderWay(int maxSeconds) throws Exception {
        Path round = Files.createTempDirectory(dir, "round");
        List<Downloads.Client> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Path out = round.resolve("out-" + i);
            String blockSize = i % 2 == 0 ? "512" : "1468";
            clients.add(new Downloads.Client("curl-" + i + "-" + blockSize, client.inside("curl", "-s", "-S", "-m",
                    Integer.toString(maxSeconds), "--interface", "10.98.1." + (i + 1), "--tftp-blksize", blockSize,
                    "-o", out.toString(), "tftp://" + VIP + "/image.bin"), out, imageSha256));
        }
        Downloads downloads = Downloads.start(clients, round);
        boolean underWay = downloads.awaitEachAtLeast(1 << 20, Duration.ofSeconds(120));
        assertTrue(underWay, () -> "not every download passed 1 MiB within 120 s:" + downloads.behind(1 << 20)
                + "\ntftpd logs in " + dir);
        return downloads;
    }

    /**
     * The master dies mid-transfer; the first director comes back (at a lower priority, so it stays
     * backup) and the new master dies too; the second comes back and a graceful switchover hands
     * mastership over mid-transfer. Every round: every download intact.
     */
    @Test
    void everyDownloadSurvivesTwoDeathsAndASwitchover() throws Exception {
        Uml d1 = director(1, 150, true);
        awaitEvent(d1, "d1 master", "\"to\":\"MASTER\"", BOOT);
        Uml d2 = director(2, 100, true);
        awaitEvent(d2, "d2 in sync", "\"event\":\"sync-in-sync\"", BOOT);
        round("master killed", d2, d1::kill);

        Uml d1Again = director(1, 50, true);
        awaitEvent(d1Again, "d1 back in sync", "\"event\":\"sync-in-sync\"", BOOT);
        round("the new master killed too", d1Again, d2::kill);

        Uml d2Again = director(2, 40, true);
        awaitEvent(d2Again, "d2 back in sync", "\"event\":\"sync-in-sync\"", BOOT);
        round("graceful switchover", d2Again, () -> {
            try {
                System.out.println("ha-agentctl switchover: " + d1Again.shell("sh " + dir.resolve("d1/ha-agentctl.sh")
                        + " switchover").output().strip());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Downloads under way, then {@code failure}; {@code newMaster} must take over and every download finish intact. */
    private void round(String what, Uml newMaster, Runnable failure) throws Exception {
        Downloads downloads = downloadsUnderWay(240);
        failure.run();
        awaitEvent(newMaster, what + ": takeover", "\"to\":\"MASTER\"", Duration.ofSeconds(60));
        List<Downloads.Outcome> outcomes = downloads.finish(Duration.ofSeconds(300));
        String committed = events(newMaster).lines().filter(line -> line.contains("state-committed")).findFirst().orElse("none");
        System.out.printf("UML IPVS, direct routing, replicated, %s: %d/%d downloads intact; stall min/median/max %s; %s%n",
                what, Downloads.intact(outcomes), CLIENTS, Downloads.stalls(outcomes), committed);
        assertEquals(CLIENTS, Downloads.intact(outcomes), what + ": every download survives; curl logs in " + dir + ": " + outcomes);
    }

    @Test
    void withoutSyncDownloadsBreak() throws Exception {
        Uml d1 = director(1, 150, false);
        awaitEvent(d1, "d1 master", "\"to\":\"MASTER\"", BOOT);
        Uml d2 = director(2, 100, false);
        awaitEvent(d2, "d2 backup", "\"to\":\"BACKUP\"", BOOT);
        Downloads downloads = downloadsUnderWay(45);
        d1.kill();
        awaitEvent(d2, "d2 takes over", "\"to\":\"MASTER\"", Duration.ofSeconds(60));
        long intact = Downloads.intact(downloads.finish(Duration.ofSeconds(120)));
        System.out.printf("UML IPVS, direct routing, no sync: %d/%d downloads broke%n", CLIENTS - intact, CLIENTS);
        assertTrue(intact < CLIENTS, "the test can fail: without the connection table the new master re-balances");
    }
}
