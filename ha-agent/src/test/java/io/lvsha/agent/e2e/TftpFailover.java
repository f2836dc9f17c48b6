package io.lvsha.agent.e2e;

import io.lvsha.agent.lab.Lab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Concurrent TFTP downloads through the lab's VIP with real clients (tftp-hpa at block size 512,
 * atftp at 1468) while directors fail: what each client got, and the longest time its file did
 * not grow (the stall a failover cost it).
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

    /** One download's outcome. */
    record Outcome(String client, int exitStatus, boolean contentRight, long stallMillis) {
    }

    private final Lab lab;
    private final String expectedSha256;
    private int rounds;

    /** Writes the same {@code megabytes} image on both real servers and starts their tftpd and HTTP. */
    TftpFailover(Lab lab, int megabytes) throws Exception {
        this.lab = lab;
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
        Path base = peerLink ? lab.peerLinkedConfig(node, priority, "100ms") : lab.standardConfig(node, priority, "100ms");
        return lab.writeConfig(node, Files.readString(base) + SERVICES);
    }

    /** Starts {@code count} downloads from the client namespace, half with each client program. */
    Downloads startDownloads(int count) throws IOException {
        return new Downloads(count, ++rounds);
    }

    /** One round of concurrent downloads, watched from start to end. */
    final class Downloads {
        private final List<Process> clients = new ArrayList<>();
        private final List<Path> outputs = new ArrayList<>();
        private final List<String> names = new ArrayList<>();
        private final long[] lastSize;
        private final long[] lastGrowth;
        private final long[] longestStall;
        private final java.util.concurrent.ScheduledExecutorService sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();

        private Downloads(int count, int round) throws IOException {
            Path dir = Files.createDirectories(lab.dir().resolve("downloads-" + round));
            for (int i = 0; i < count; i++) {
                Path out = dir.resolve("out-" + i);
                String name = "round" + round + "-client-" + i;
                List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", lab.namespace("cl")));
                if (i % 2 == 0) {
                    command.addAll(List.of("tftp", "-m", "binary", "10.99.0.10", "-c", "get", IMAGE, out.toString()));
                    name += "-tftp-hpa-512";
                } else {
                    command.addAll(List.of("atftp", "--option", "blksize 1468", "-g", "-r", IMAGE, "-l", out.toString(), "10.99.0.10"));
                    name += "-atftp-1468";
                }
                clients.add(lab.start(name, command));
                outputs.add(out);
                names.add(name);
            }
            lastSize = new long[count];
            lastGrowth = new long[count];
            longestStall = new long[count];
            java.util.Arrays.fill(lastGrowth, System.nanoTime());
            // Sampled on a thread of its own: the test thread waits for events while the stall happens.
            sampler.scheduleWithFixedDelay(() -> {
                try {
                    sample();
                } catch (IOException e) {
                    // a file being replaced by its client: the next sample sees it
                }
            }, 0, 10, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        /** Waits until every file has at least {@code bytes}; false at the deadline. */
        boolean awaitEachAtLeast(long bytes, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (smallest() >= bytes) {
                    return true;
                }
                Thread.sleep(20);
            }
            return false;
        }

        private synchronized long smallest() {
            return java.util.Arrays.stream(lastSize).min().orElse(0);
        }

        /** Watches until every client has exited (or the deadline); then judges each download. */
        List<Outcome> finish(Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && clients.stream().anyMatch(Process::isAlive)) {
                Thread.sleep(20);
            }
            sampler.shutdownNow();
            List<Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                Process client = clients.get(i);
                if (client.isAlive()) {
                    client.destroyForcibly();
                }
                int status = client.isAlive() ? -1 : client.waitFor();
                boolean right = Files.exists(outputs.get(i)) && expectedSha256.equals(HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(outputs.get(i)))));
                outcomes.add(new Outcome(names.get(i), status, right, stallMillis(i)));
            }
            return outcomes;
        }

        private synchronized void sample() throws IOException {
            long now = System.nanoTime();
            for (int i = 0; i < outputs.size(); i++) {
                long size = Files.exists(outputs.get(i)) ? Files.size(outputs.get(i)) : 0;
                if (size != lastSize[i]) {
                    lastSize[i] = size;
                    lastGrowth[i] = now;
                } else if (clients.get(i).isAlive()) {
                    longestStall[i] = Math.max(longestStall[i], now - lastGrowth[i]);
                }
            }
        }

        private synchronized long stallMillis(int client) {
            return longestStall[client] / 1_000_000;
        }

    }

    /** "min/median/max" of the stalls, in milliseconds. */
    static String stalls(List<Outcome> outcomes) {
        long[] sorted = outcomes.stream().mapToLong(Outcome::stallMillis).sorted().toArray();
        return sorted[0] + "/" + sorted[sorted.length / 2] + "/" + sorted[sorted.length - 1] + " ms";
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
