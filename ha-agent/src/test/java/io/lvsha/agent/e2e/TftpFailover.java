package io.lvsha.agent.e2e;

import io.lvsha.agent.lab.Lab;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The namespace lab's TFTP farm (NAT layout): images on both real servers, the directors' TFTP
 * service, and downloads through the VIP with real clients (tftp-hpa at block size 512, atftp at
 * 512, 1024 and 1468) while directors fail.
 */
final class TftpFailover {
    static final String IMAGE = "image.bin";

    /** The client programs and block sizes downloads are made with. */
    enum ClientKind {
        TFTP_HPA_512, ATFTP_512, ATFTP_1024, ATFTP_1468;

        List<String> command(String image, Path out, String vip) {
            if (this == TFTP_HPA_512) {
                return List.of("tftp", "-m", "binary", vip, "-c", "get", image, out.toString());
            }
            String blockSize = name().substring(name().indexOf('_') + 1);
            return List.of("atftp", "--option", "blksize " + blockSize, "-g", "-r", image, "-l", out.toString(), vip);
        }
    }

    /** The nftables TFTP service both directors run: UDP 69 and the ephemeral range under one mark. */
    static final String SERVICES = """
            director: {backend: nftables}
            services:
              - name: tftp
                fwmark: 1
                match: [{vip: 10.99.0.10, protocol: udp, ports: [69, 1024-65535]}]
                scheduler: rr
                helper: tftp
                check: {type: tftp, file: whoami, interval: 1s, probe-timeout: 2s}
                real-servers: [{address: 192.168.50.21}, {address: 192.168.50.22}]
            """;

    private final Lab lab;
    /** Per director, the armed {@code ip -batch} of {@link #armKill}. */
    private final Map<String, Process> linkSwitches = new HashMap<>();
    private final String advertInterval;
    private final TftpImages images;
    private int rounds;

    /**
     * Writes the same images on both real servers ({@link #IMAGE} of {@code megabytes}, and
     * image-Nm.bin for each N of {@code moreSizes}) and starts their tftpd and HTTP; the directors
     * will advertise every {@code advertInterval}.
     */
    TftpFailover(Lab lab, int megabytes, String advertInterval, int... moreSizes) throws Exception {
        this.lab = lab;
        this.advertInterval = advertInterval;
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put(IMAGE, megabytes);
        for (int size : moreSizes) {
            sizes.put(imageOf(size), size);
        }
        images = new TftpImages(42, sizes);
        for (String rs : new String[] {"rs1", "rs2"}) {
            Path dir = lab.dir().resolve(rs + "-files");
            images.writeTo(dir);
            Files.writeString(dir.resolve("whoami"), rs + "\n");
            lab.startRealServer(rs, dir);
        }
    }

    static String imageOf(int megabytes) {
        return TftpImages.sized(megabytes);
    }

    /** A director's config: the lab's peer-linked (or plain) config plus the TFTP service, round robin. */
    Path config(String node, int priority, boolean peerLink) throws IOException {
        return config(node, priority, peerLink, "rr");
    }

    /** {@link #config(String, int, boolean)} with the service's scheduler {@code scheduler}. */
    Path config(String node, int priority, boolean peerLink, String scheduler) throws IOException {
        Path base = peerLink ? lab.peerLinkedConfig(node, priority, advertInterval)
                : lab.standardConfig(node, priority, advertInterval);
        return lab.writeConfig(node, Files.readString(base) + SERVICES.replace("scheduler: rr", "scheduler: " + scheduler));
    }

    /** A fresh folder for a round's downloads and their logs. */
    Path roundDir() throws IOException {
        return Files.createDirectories(lab.dir().resolve("downloads-" + ++rounds));
    }

    /** Download number {@code i} of {@code image} into {@code dir}, from the client namespace. */
    Downloads.Client client(Path dir, int i, String image, ClientKind kind) {
        return client(dir, i, image, kind, "10.99.0.10");
    }

    /** Download number {@code i} of {@code image} through {@code vip} into {@code dir}, from the client namespace. */
    Downloads.Client client(Path dir, int i, String image, ClientKind kind, String vip) {
        Path out = dir.resolve("out-" + i);
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", lab.namespace("cl")));
        command.addAll(kind.command(image, out, vip));
        return new Downloads.Client("client-" + i + "-" + image + "-" + kind.name().toLowerCase(java.util.Locale.ROOT),
                command, out, images.sha256(image));
    }

    /** Starts {@code count} downloads of {@link #IMAGE} from the client namespace, half with each client program. */
    Downloads startDownloads(int count) throws IOException {
        Path dir = roundDir();
        List<Downloads.Client> clients = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            clients.add(client(dir, i, IMAGE, i % 2 == 0 ? ClientKind.TFTP_HPA_512 : ClientKind.ATFTP_1468));
        }
        return Downloads.start(clients, dir);
    }

    /**
     * Readies {@link #killDirector} for {@code node}: an {@code ip -batch} already running in its
     * namespace, waiting for the commands. A kill that first had to start processes would leave the
     * machine forwarding, its agent dead, for the hundreds of ms a process start takes on a loaded
     * machine: sessions begun then could not have been replicated by anybody.
     */
    void armKill(String node) throws IOException {
        Process ready = linkSwitches.get(node);
        if (ready == null || !ready.isAlive()) {
            linkSwitches.put(node, lab.start(node + "-links", List.of("ip", "-n", lab.namespace(node), "-batch", "-")));
        }
    }

    /**
     * Takes a director down as a machine dies: both links at once (one write to its armed
     * {@code ip -batch}), then its agent killed. Returns once both are done.
     */
    void killDirector(String node) throws IOException, InterruptedException {
        armKill(node);
        Process links = linkSwitches.remove(node);
        try (OutputStream commands = links.getOutputStream()) {
            commands.write("link set pub0 down\nlink set priv0 down\n".getBytes(StandardCharsets.US_ASCII));
        }
        lab.killNow(node);
        if (!links.waitFor(30, TimeUnit.SECONDS) || links.exitValue() != 0) {
            throw new AssertionError("taking " + node + "'s links down failed: see " + node + "-links.err in " + lab.dir());
        }
    }

    /**
     * Brings a killed director back as from a reboot (no VIPs, an empty conntrack table), links up;
     * its agent is started again by the caller.
     */
    void reviveLinks(String node) {
        lab.exec(node, "conntrack", "-F");
        // The VIPs are the secondary addresses: each sits in the subnet of the director's own.
        lab.exec(node, "ip", "addr", "flush", "dev", "pub0", "secondary");
        lab.exec(node, "ip", "addr", "flush", "dev", "priv0", "secondary");
        lab.exec(node, "ip", "link", "set", "pub0", "up");
        lab.exec(node, "ip", "link", "set", "priv0", "up");
    }
}
