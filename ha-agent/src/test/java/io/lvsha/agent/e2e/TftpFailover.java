package io.lvsha.agent.e2e;

import io.lvsha.agent.lab.Lab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * The namespace lab's TFTP farm (NAT layout): the image on both real servers, the directors'
 * TFTP service, and concurrent downloads through the VIP with real clients (tftp-hpa at block size
 * 512, atftp at 1468) while directors fail.
 */
final class TftpFailover {
    static final String IMAGE = "image.bin";

    /** The nftables TFTP service both directors run: UDP 69 and the ephemeral range under one mark. */
    static final String SERVICES = """
            director: {backend: nftables, export-interval: 200ms}
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
    private final String advertInterval;
    private final String expectedSha256;
    private int rounds;

    /**
     * Writes the same {@code megabytes} image on both real servers and starts their tftpd and HTTP;
     * the directors will advertise every {@code advertInterval}.
     */
    TftpFailover(Lab lab, int megabytes, String advertInterval) throws Exception {
        this.lab = lab;
        this.advertInterval = advertInterval;
        byte[] image = new byte[megabytes << 20];
        new Random(42).nextBytes(image);
        expectedSha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image));
        for (String rs : new String[] {"rs1", "rs2"}) {
            Path files = Files.createDirectories(lab.dir().resolve(rs + "-files"));
            Files.write(files.resolve(IMAGE), image);
            Files.writeString(files.resolve("whoami"), rs + "\n");
            lab.startRealServer(rs, files);
        }
    }

    /** A director's config: the lab's peer-linked (or plain) config plus the TFTP service. */
    Path config(String node, int priority, boolean peerLink) throws IOException {
        Path base = peerLink ? lab.peerLinkedConfig(node, priority, advertInterval)
                : lab.standardConfig(node, priority, advertInterval);
        return lab.writeConfig(node, Files.readString(base) + SERVICES);
    }

    /** Starts {@code count} downloads from the client namespace, half with each client program. */
    Downloads startDownloads(int count) throws IOException {
        Path dir = Files.createDirectories(lab.dir().resolve("downloads-" + ++rounds));
        List<Downloads.Client> clients = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Path out = dir.resolve("out-" + i);
            List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", lab.namespace("cl")));
            if (i % 2 == 0) {
                command.addAll(List.of("tftp", "-m", "binary", "10.99.0.10", "-c", "get", IMAGE, out.toString()));
            } else {
                command.addAll(List.of("atftp", "--option", "blksize 1468", "-g", "-r", IMAGE, "-l", out.toString(), "10.99.0.10"));
            }
            clients.add(new Downloads.Client("client-" + i + (i % 2 == 0 ? "-tftp-hpa-512" : "-atftp-1468"), command, out));
        }
        return new Downloads(clients, dir, expectedSha256);
    }

    /** Takes a director down hard: its agent killed, its links down, as if the machine had died. */
    void killDirector(String node) {
        lab.signal(node, "KILL");
        lab.exec(node, "ip", "link", "set", "pub0", "down");
        lab.exec(node, "ip", "link", "set", "priv0", "down");
    }

    /** Brings a killed director's links back (its agent is started again by the caller). */
    void reviveLinks(String node) {
        lab.exec(node, "ip", "link", "set", "pub0", "up");
        lab.exec(node, "ip", "link", "set", "priv0", "up");
        lab.exec(node, "conntrack", "-F");
    }
}
