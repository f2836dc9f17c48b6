package io.lvsha.agent.e2e;

import io.lvsha.agent.lab.Uml;
import io.lvsha.netns.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The direct-routing layout on real kernels (issue 5): a bridge in a namespace; up to two
 * User-Mode Linux directors with IPVS on taps in it, each running ha-agent with the ipvs backend
 * or keepalived with {@code lvs_sync_daemon} (the software inside the guest, as on a real
 * director); real servers with the VIP on loopback, ARP suppressed, running tftpd-hpa; and one
 * client namespace that downloads from as many addresses as it needs (persistence is per client).
 */
final class UmlLab implements AutoCloseable {
    static final String VIP = "10.98.0.10";
    /** Group b's VIP in the active-active layout ({@link #activeActiveAgent}); the real servers serve both. */
    static final String VIP_B = "10.98.0.20";
    static final Duration BOOT = Duration.ofSeconds(120);
    private static final int VRID = 52;
    private static final int SYNC_ID = 7;
    /** Client addresses start here: 10.98.1.1, 10.98.1.2, ... 250 per /24. */
    private static final int CLIENT_NETS_FROM = 1;

    private final Path dir;
    private final List<Netns> namespaces = new ArrayList<>();
    private final List<Uml> directors = new ArrayList<>();
    private final Netns bridge;
    private final Netns client;
    private final List<String> realServers = new ArrayList<>();
    private final List<Netns> realServerNamespaces = new ArrayList<>();
    private int clientAddresses;

    /** Builds the lab and starts {@code realServerCount} real servers, each serving {@code images}. */
    UmlLab(Path dir, TftpImages images, int realServerCount) throws Exception {
        this.dir = dir;
        bridge = netns("umltftp");
        bridge.exec("ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
        bridge.exec("ip", "addr", "add", "10.98.0.1/24", "dev", "br0");
        bridge.exec("ip", "link", "set", "br0", "up");
        client = netns("umltftpcl");
        attach(client, "cl");
        client.exec("ip", "addr", "add", "10.98.0.100/16", "dev", "eth0");
        for (int r = 1; r <= realServerCount; r++) {
            Netns real = netns("umltftprs" + r);
            realServerNamespaces.add(real);
            attach(real, "rs" + r);
            String address = "10.98.0.2" + r;
            realServers.add(address);
            real.exec("ip", "addr", "add", address + "/16", "dev", "eth0");
            // Direct routing: the VIP on loopback, never answered for in ARP (the seed's ARP limitation).
            real.exec("ip", "addr", "add", VIP + "/32", "dev", "lo");
            real.exec("ip", "addr", "add", VIP_B + "/32", "dev", "lo");
            real.exec("sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
                    "net.ipv4.conf.eth0.arp_ignore=1", "net.ipv4.conf.eth0.arp_announce=2");
            Path files = dir.resolve("rs" + r);
            images.writeTo(files);
            for (String vip : List.of(VIP, VIP_B)) {
                new ProcessBuilder(real.inside("in.tftpd", "-L", "-s", files.toString(), "-a", vip + ":69"))
                        .redirectErrorStream(true).redirectOutput(dir.resolve("tftpd-rs" + r + "-" + vip + ".log").toFile()).start();
            }
        }
        for (int d = 1; d <= 2; d++) {
            bridge.exec("ip", "tuntap", "add", "dev", "umltap" + d, "mode", "tap");
            bridge.exec("ip", "link", "set", "umltap" + d, "master", "br0", "up");
        }
    }

    private Netns netns(String role) {
        Netns netns = Netns.create(role);
        namespaces.add(netns);
        return netns;
    }

    private void attach(Netns netns, String port) {
        Netns.link(bridge, "p-" + port, netns, "eth0");
        bridge.exec("ip", "link", "set", "p-" + port, "master", "br0");
    }

    Path dir() {
        return dir;
    }

    /** Starts noting when each client's first TFTP request leaves the client namespace. */
    FirstRequests firstRequests() throws Exception {
        return FirstRequests.fromClients(bridge, "p-cl");
    }

    /** Starts noting what the master director forwards to the real servers: when each session began, and its last frame. */
    FirstRequests forwardedRequests() throws Exception {
        return FirstRequests.forwardedToRealServers(realServerNamespaces, "eth0", VIP);
    }

    /**
     * Client address number {@code n} (0, 1, ...), added to the client namespace with every one
     * below it on first use.
     */
    String clientAddress(int n) throws Exception {
        if (n >= clientAddresses) {
            int upTo = Math.max(n + 1, clientAddresses + 250);
            Path batch = dir.resolve("client-addresses-" + upTo);
            StringBuilder lines = new StringBuilder();
            for (int i = clientAddresses; i < upTo; i++) {
                lines.append("addr add ").append(addressOf(i)).append("/16 dev eth0\n");
            }
            Files.writeString(batch, lines);
            client.exec("ip", "-batch", batch.toString());
            clientAddresses = upTo;
        }
        return addressOf(n);
    }

    private static String addressOf(int n) {
        return "10.98." + (CLIENT_NETS_FROM + n / 250) + "." + (1 + n % 250);
    }

    /**
     * A curl download of {@code image} through the VIP from client address {@code n} at
     * {@code blockSize}; curl gives up after {@code maxSeconds} (a transfer sent to the wrong
     * real server only ever gets ICMP port-unreachable, which curl's TFTP ignores).
     */
    Downloads.Client download(Path into, int n, String image, String sha256, int blockSize, int maxSeconds) throws Exception {
        return download(into, n, image, sha256, blockSize, maxSeconds, VIP);
    }

    /** As {@link #download(Path, int, String, String, int, int)}, through {@code vip}. */
    Downloads.Client download(Path into, int n, String image, String sha256, int blockSize, int maxSeconds, String vip)
            throws Exception {
        Path out = into.resolve("out-" + n);
        return new Downloads.Client("curl-" + n + "-" + image + "-" + blockSize + "-" + vip, client.inside("curl", "-s", "-S",
                "-m", Integer.toString(maxSeconds), "--interface", clientAddress(n), "--tftp-blksize", Integer.toString(blockSize),
                "-o", out.toString(), "tftp://" + vip + "/" + image), out, sha256);
    }

    /**
     * A slow TFTP download, as a PXE ROM on a slow path makes one: 512-byte blocks, each ACK sent
     * {@code ackDelayMillis} after its block, a retransmit after 1 s of silence, given up after 20.
     * A session with few packets a second is what the kernel's sync batches longest.
     */
    Downloads.Client slowDownload(Path into, int n, String image, String sha256, int ackDelayMillis) throws Exception {
        Path script = dir.resolve("slow-tftp.py");
        if (!Files.exists(script)) {
            readable(script, """
                    import socket, sys, time
                    source, server, name, out, delay = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]) / 1000
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.bind((source, 0))
                    s.settimeout(1.0)
                    last = b"\\x00\\x01" + name.encode() + b"\\x00octet\\x00"
                    to = (server, 69)
                    s.sendto(last, to)
                    peer, expected, silent = None, 1, 0
                    with open(out, "wb") as f:
                        while True:
                            try:
                                data, sender = s.recvfrom(1024)
                            except socket.timeout:
                                silent += 1
                                if silent > 20:
                                    sys.exit("no answer for 20 s")
                                s.sendto(last, to)
                                continue
                            if peer is None:
                                peer = to = sender
                            if sender != peer or len(data) < 4:
                                continue
                            opcode, block = int.from_bytes(data[:2], "big"), int.from_bytes(data[2:4], "big")
                            if opcode == 5:
                                sys.exit("error from the server: " + data[4:].decode(errors="replace"))
                            if opcode != 3:
                                continue
                            silent = 0
                            fresh = block == expected & 0xffff
                            if fresh:
                                f.write(data[4:])
                                expected += 1
                            time.sleep(delay)
                            last = b"\\x00\\x04" + data[2:4]
                            s.sendto(last, to)
                            if fresh and len(data) < 516:
                                break
                    """);
        }
        Path out = into.resolve("out-" + n);
        return new Downloads.Client("slow-" + n + "-" + image, client.inside("python3", script.toString(), clientAddress(n), VIP,
                image, out.toString(), Integer.toString(ackDelayMillis)), out, sha256);
    }

    /** Boots director {@code d} (1 or 2) and starts ha-agent inside it. */
    Uml agent(int d, int priority, boolean replicate) throws Exception {
        return agent(d, priority, replicate, null);
    }

    /** As {@link #agent(int, int, boolean)}, with {@code sync.maxlen} set (null: the agent's default). */
    Uml agent(int d, int priority, boolean replicate, Integer syncMaxlen) throws Exception {
        String yaml = """
                node: d%d
                group:
                  vrid: %d
                  priority: %d
                  advert-interval: 500ms
                  channels: [{name: public, interface: vec0}]
                vips: [{address: %s/16, interface: vec0}]
                events: {file: /run/events.jsonl}
                admin: {socket: /run/admin.sock}
                director: {backend: ipvs, mark-tool: iptables-legacy}
                services:
                """.formatted(d, VRID, priority, VIP) + tftpService("tftp", 1, VIP);
        return startAgent(d, replicate ? yaml + replication(d, syncMaxlen) : yaml);
    }

    /**
     * Boots director {@code d} with an active-active agent: group a (VRID 52, {@link #VIP},
     * service tftp-a) and group b (VRID 53, {@link #VIP_B}, tftp-b) at the priorities given, the
     * kernel's sync daemons and the peer link.
     */
    Uml activeActiveAgent(int d, int aPriority, int bPriority) throws Exception {
        String group = """
                  - name: %s
                    vrid: %d
                    priority: %d
                    advert-interval: 500ms
                    channels: [{name: public, interface: vec0}]
                    vips: [{address: %s/16, interface: vec0}]
                """;
        return startAgent(d, "node: d" + d + "\ngroups:\n" + group.formatted("a", VRID, aPriority, VIP)
                + group.formatted("b", VRID + 1, bPriority, VIP_B) + """
                events: {file: /run/events.jsonl}
                admin: {socket: /run/admin.sock}
                director: {backend: ipvs, mark-tool: iptables-legacy}
                services:
                """ + tftpService("tftp-a", 1, VIP) + tftpService("tftp-b", 2, VIP_B) + replication(d, null));
    }

    /** The lab's TFTP service on {@code vip}, direct routing to every real server, persistent per client. */
    private String tftpService(String name, int mark, String vip) {
        return """
                  - name: %s
                    fwmark: %d
                    match: [{vip: %s, protocol: udp, ports: [69, 1024-65535]}]
                    scheduler: wlc
                    persistence: 300s
                    forwarding: dr
                    real-servers: [%s]
                """.formatted(name, mark, vip, String.join(", ", realServers.stream().map(address -> "{address: " + address + "}")
                .toList()));
    }

    /** The kernel's sync daemons ({@code sync.maxlen} if not null) and the peer link, d1 listening. */
    private String replication(int d, Integer syncMaxlen) throws Exception {
        Path key = dir.resolve("peer.key");
        if (!Files.exists(key)) {
            Files.writeString(key, "lvs-ha uml lab peer-link key, not secret");
            // The agent refuses a key file others can read; the guests read it as the host's root.
            Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        return "sync: {interface: vec0, syncid: " + SYNC_ID + (syncMaxlen == null ? "" : ", maxlen: " + syncMaxlen) + "}\n"
                + "peer-link: {" + (d == 1 ? "listen" : "connect") + ": \"10.98.0.11:7311\", key-file: " + key + "}\n";
    }

    /** Boots director {@code d} and starts ha-agent inside it with {@code yaml}. */
    private Uml startAgent(int d, String yaml) throws Exception {
        Uml uml = boot(d);
        Path home = home(d);
        Path config = readable(home.resolve("agent.yaml"), yaml);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The guest's root is the host's, read-only: temporary files (Netty's and JNA's native
        // libraries) go to the guest's own /run.
        Path start = readable(home.resolve("start-agent.sh"), "#!/bin/sh\nmkdir -p /run/tmp\nexec " + java
                + " -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Djava.io.tmpdir=/run/tmp"
                + " -Djna.tmpdir=/run/tmp -cp " + System.getProperty("java.class.path") + " io.lvsha.agent.Main --config "
                + config + " > /run/agent.out 2>&1\n");
        readable(home.resolve("ha-agentctl.sh"), "#!/bin/sh\nexec " + java + " -XX:TieredStopAtLevel=1 -XX:-UsePerfData"
                + " -Djava.io.tmpdir=/run/tmp -cp " + System.getProperty("java.class.path")
                + " io.lvsha.agent.ctl.AgentCtl --socket /run/admin.sock \"$@\"\n");
        uml.shell("sh " + start + " &");
        return uml;
    }

    /**
     * One admin request to the agent in {@code uml}, its reply line. From python3, which starts in
     * a fraction of the JVM's time in a guest: a reading taken at a kill must come before the
     * takeover.
     */
    String adminRequest(Uml uml, String request) throws Exception {
        Path script = dir.resolve("admin-request.py");
        if (!Files.exists(script)) {
            readable(script, """
                    import socket, sys
                    s = socket.socket(socket.AF_UNIX)
                    s.connect("/run/admin.sock")
                    s.sendall(sys.argv[1].encode() + b"\\n")
                    reply = b""
                    while not reply.endswith(b"\\n"):
                        chunk = s.recv(1 << 20)
                        if not chunk:
                            break
                        reply += chunk
                    sys.stdout.write(reply.decode())
                    """);
        }
        return uml.shell("python3 " + script + " '" + request + "'").output().strip();
    }

    /** Runs ha-agentctl in director {@code d} (booted with {@link #agent}). */
    String agentctl(Uml uml, int d, String arguments) throws Exception {
        return uml.shell("sh " + home(d).resolve("ha-agentctl.sh") + " " + arguments).output().strip();
    }

    /**
     * Boots director {@code d} and starts keepalived inside it, configured as its users run an
     * LVS-DR pair: the same VRRP group (v3, the same advert interval, no preemption, so that a
     * revived director stays backup), the same fwmark service with persistence, and
     * {@code lvs_sync_daemon} on the same interface with the same syncid and kernel defaults.
     * keepalived does not write marking rules: the same rule ha-agent writes is loaded first.
     */
    Uml keepalived(int d, int priority) throws Exception {
        Uml uml = boot(d);
        Path home = home(d);
        StringBuilder servers = new StringBuilder();
        realServers.forEach(address -> servers.append("    real_server ").append(address).append(" 0 { weight 1 }\n"));
        Path config = readable(home.resolve("keepalived.conf"), """
                global_defs {
                    router_id d%d
                    vrrp_version 3
                    lvs_sync_daemon vec0 VI_1 id %d
                }
                vrrp_instance VI_1 {
                    state BACKUP
                    nopreempt
                    interface vec0
                    virtual_router_id %d
                    priority %d
                    advert_int 0.5
                    virtual_ipaddress {
                        %s/16 dev vec0
                    }
                }
                virtual_server fwmark 1 {
                    delay_loop 10
                    lb_algo wlc
                    lb_kind DR
                    persistence_timeout 300
                    protocol UDP
                %s}
                """.formatted(d, SYNC_ID, VRID, priority, VIP, servers));
        for (String ports : List.of("69", "1024:65535")) {
            Uml.Result marked = uml.shell("iptables-legacy -t mangle -A PREROUTING -d " + VIP + " -p udp --dport " + ports
                    + " -j MARK --set-mark 1");
            if (marked.exitStatus() != 0) {
                throw new IllegalStateException("the marking rule for ports " + ports + ": " + marked.output());
            }
        }
        uml.shell("keepalived -n -l -D -f " + config + " -p /run/keepalived.pid -r /run/vrrp.pid -c /run/checkers.pid"
                + " > /run/keepalived.out 2>&1 &");
        return uml;
    }

    private Uml boot(int d) throws Exception {
        Path home = home(d);
        Uml uml = Uml.boot(bridge.name(), "umltap" + d, "10.98.0.1" + d + "/16", home, d - 1);
        directors.add(uml);
        return uml;
    }

    private Path home(int d) throws Exception {
        Path home = Files.createDirectories(dir.resolve("d" + d));
        home.toFile().setReadable(true, false);
        home.toFile().setExecutable(true, false);
        return home;
    }

    private static Path readable(Path file, String content) throws Exception {
        Files.writeString(file, content);
        file.toFile().setReadable(true, false);
        return file;
    }

    /** The agent's events so far (ha-agent only). */
    static String events(Uml uml) throws Exception {
        return uml.shell("cat /run/events.jsonl 2>/dev/null; true").output();
    }

    /** Waits until the agent in {@code uml} logged an event containing {@code fragment}. */
    static void awaitEvent(Uml uml, String what, String fragment, Duration timeout) throws Exception {
        awaitGuest(uml, what, "cat /run/events.jsonl 2>/dev/null; true", output -> output.contains(fragment), timeout,
                "tail -30 /run/agent.out");
    }

    /** Waits until keepalived in {@code uml} holds the VIP. */
    static void awaitKeepalivedMaster(Uml uml, Duration timeout) throws Exception {
        awaitGuest(uml, "keepalived master", "ip -o addr show dev vec0", output -> output.contains(" " + VIP + "/"),
                timeout, "tail -30 /run/keepalived.out");
    }

    /** Waits until keepalived in {@code uml} is backup with the kernel's backup sync daemon running. */
    static void awaitKeepalivedBackup(Uml uml, Duration timeout) throws Exception {
        awaitGuest(uml, "keepalived backup with its sync daemon", "ipvsadm -L --daemon; grep -h 'Entering BACKUP' /run/keepalived.out",
                output -> output.contains("backup sync daemon") && output.contains("Entering BACKUP"), timeout,
                "tail -30 /run/keepalived.out");
    }

    private static void awaitGuest(Uml uml, String what, String probe, Predicate<String> ready, Duration timeout,
                                   String diagnosis) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String output = "";
        while (System.nanoTime() < deadline) {
            output = uml.shell(probe).output();
            if (ready.test(output)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(String.format(Locale.ROOT, "%s: not within %d s; last '%s' said: %s%nguest log: %s", what,
                timeout.toSeconds(), probe, output, uml.shell(diagnosis).output()));
    }

    /** Powers off every director booted so far (the next ones boot on the same taps). */
    void closeDirectors() {
        directors.forEach(Uml::close);
        directors.clear();
    }

    @Override
    public void close() {
        closeDirectors();
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            namespaces.get(i).close();
        }
    }
}
