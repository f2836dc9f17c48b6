package io.lvsha.agent.e2e;

import io.lvsha.agent.lab.Uml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;

/**
 * The replication window of the direct-routing layout on real IPVS ({@link UmlLab}): a fresh
 * director pair per round, running ha-agent or keepalived with the kernel's sync daemon, a steady
 * stream of new TFTP downloads (2-8 MiB at block sizes 512, 1024 and 1468, each from its own
 * client address), and the master guest killed at a random moment of it without waiting for
 * anything; then every download's age at the kill against whether it survived.
 */
final class UmlReplicationWindow {
    /** The director software of a round. */
    enum Software {
        /** ha-agent as configured by default. */
        HA_AGENT("ha-agent"),
        /** ha-agent with a datagram per connection (sync.maxlen 1): measured to lose more, kept to show it. */
        HA_AGENT_MAXLEN_1("ha-agent, sync.maxlen 1"),
        KEEPALIVED("keepalived + lvs_sync_daemon");

        private final String label;

        Software(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    /** One round: who ran the pair, its seed, when in the stream the master died, and the downloads. */
    record Round(Software software, long seed, long killAfterMillis, DownloadAges ages, Synced backupsKernel,
                 Synced backupsAgent, String newMaster) {
        String describe() {
            return String.format(Locale.ROOT, "%s: a stream of %d ms, the master killed after its last request (seed %d): %s; the backup's kernel at the"
                    + " kill: %s;%s new master: %s", software.label(), killAfterMillis, seed, ages.describe(), backupsKernel,
                    backupsAgent == null ? "" : " the backup agent's table at the kill: " + backupsAgent + ";", newMaster);
        }
    }

    /**
     * Which downloads a table of the backup's held a connection or the persistence template of at
     * the kill, by how long the master ran after it forwarded their first request (from then to
     * the last frame it forwarded before the kill): the replication's own window, whatever luck
     * the re-balancing of the others had, and none of the time the host did not run the master's
     * guest. Downloads that had finished count (their entries stay for their timeouts); those
     * whose request the master had not forwarded at the kill do not.
     */
    record Synced(int held, int downloads, OptionalDouble oldestMissing, OptionalDouble youngestHeld) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d/%d held; by how long the master ran after it forwarded their request, oldest missing %s, youngest held %s", held,
                    downloads, DownloadAges.millis(oldestMissing), DownloadAges.millis(youngestHeld));
        }
    }

    /** Seen from the client, a download sent to the wrong real server never moves again; curl would retry for minutes. */
    private static final Duration BROKEN_AFTER_STALL = Duration.ofSeconds(20);
    private static final Duration TRANSFERS = Duration.ofSeconds(240);
    private static final Duration TAKEOVER = Duration.ofSeconds(60);
    private static final int[] BLOCK_SIZES = {512, 1024, 1468};

    private final UmlLab lab;
    private final TftpImages images;
    private final double perSecond;
    private final int ackDelayMillis;
    private final int maxKillDelayMillis;
    private int rounds;

    /**
     * @param images the lab's images: image-Nm.bin for N of 2..8
     * @param perSecond new downloads per second (below 1: a quiet director, one download in a while)
     * @param ackDelayMillis 0 for curl's downloads, as fast as the path allows; more for slow
     *     clients of 2 MiB each ({@link UmlLab#slowDownload})
     * @param maxKillDelayMillis the kill comes a random 0 to this many ms after the last request
     *     (and before the next one would have come)
     */
    UmlReplicationWindow(UmlLab lab, TftpImages images, double perSecond, int ackDelayMillis, int maxKillDelayMillis) {
        this.lab = lab;
        this.images = images;
        this.perSecond = perSecond;
        this.ackDelayMillis = ackDelayMillis;
        this.maxKillDelayMillis = maxKillDelayMillis;
    }

    /**
     * Boots a pair running {@code software} (d1 master, d2 backup with its sync daemon, in sync),
     * streams new downloads, kills d1 1.5-3.5 s in (chosen by {@code seed}), lets every download
     * end, and powers the pair off.
     */
    Round round(Software software, long seed) throws Exception {
        Random random = new Random(seed);
        long killAfterMillis = 1500 + random.nextInt(2000);
        Uml d1;
        Uml d2;
        if (software != Software.KEEPALIVED) {
            Integer maxlen = software == Software.HA_AGENT_MAXLEN_1 ? 1 : null;
            d1 = lab.agent(1, 150, true, maxlen);
            UmlLab.awaitEvent(d1, "d1 master", "\"to\":\"MASTER\"", UmlLab.BOOT);
            d2 = lab.agent(2, 100, true, maxlen);
            UmlLab.awaitEvent(d2, "d2 in sync", "\"event\":\"sync-in-sync\"", UmlLab.BOOT);
        } else {
            d1 = lab.keepalived(1, 150);
            UmlLab.awaitKeepalivedMaster(d1, UmlLab.BOOT);
            d2 = lab.keepalived(2, 100);
            UmlLab.awaitKeepalivedBackup(d2, UmlLab.BOOT);
        }
        Path dir = Files.createDirectories(lab.dir().resolve("stream-" + ++rounds + "-" + software.name().toLowerCase(Locale.ROOT)));
        if (software != Software.KEEPALIVED) {
            // which source of new connections the master uses (conntrack's events or reads alone), as it logged at start
            Files.writeString(dir.resolve("master-agent-log.txt"), d1.shell("cat /run/agent.out").output());
        }
        Downloads downloads = new Downloads(dir);
        Map<String, String> addresses = new HashMap<>();
        FirstRequests requests = lab.firstRequests();
        FirstRequests forwarded = lab.forwardedRequests();
        long start = System.nanoTime();
        long streamEnd = start + killAfterMillis * 1_000_000L;
        String lastAddress = null;
        long period = (long) (1e9 / perSecond);
        for (int i = 0; start + i * period < streamEnd; i++) {
            sleepUntil(start + i * period);
            String image = TftpImages.sized(2 + random.nextInt(7));
            int blockSize = BLOCK_SIZES[random.nextInt(BLOCK_SIZES.length)];
            Downloads.Client client = ackDelayMillis > 0
                    ? lab.slowDownload(dir, i, TftpImages.sized(2), images.sha256(TftpImages.sized(2)), ackDelayMillis)
                    : lab.download(dir, i, image, images.sha256(image), blockSize, (int) TRANSFERS.toSeconds());
            lastAddress = lab.clientAddress(i);
            addresses.put(client.name(), lastAddress);
            downloads.start(client);
        }
        // A download's request leaves long after its process starts on a loaded machine (300 ms and
        // more, measured): the kill comes at a random moment between the last request and the
        // next one (at most maxKillDelayMillis), so that every round has a request young enough to probe the window.
        Long lastRequest = requests.await(lastAddress, Duration.ofSeconds(10));
        long killDelayMillis = random.nextInt((int) Math.max(1, Math.min(period / 1_000_000, maxKillDelayMillis)));
        sleepUntil((lastRequest == null ? System.nanoTime() : lastRequest) + killDelayMillis * 1_000_000L);
        long killedAt = System.nanoTime();
        d1.kill();
        requests.close();
        // the new master forwards nothing before its takeover, hundreds of ms from now: every frame seen so far was d1's
        forwarded.close();
        // Nothing reaches the backup after this: its tables now are what the replication gave it.
        String agentsTable = software == Software.KEEPALIVED ? null
                : lab.adminRequest(d2, "{\"cmd\":\"connections\",\"args\":{\"limit\":10000}}");
        String backupsTable = d2.shell("ipvsadm -Lnc").output();
        if (software != Software.KEEPALIVED) {
            UmlLab.awaitEvent(d2, "d2 takes over", "\"to\":\"MASTER\"", TAKEOVER);
        } else {
            UmlLab.awaitKeepalivedMaster(d2, TAKEOVER);
        }
        List<Downloads.Outcome> outcomes = downloads.finish(TRANSFERS, BROKEN_AFTER_STALL);
        Files.writeString(dir.resolve("backup-at-kill.txt"), backupsTable);
        if (agentsTable != null) {
            Files.writeString(dir.resolve("backup-agent-at-kill.json"), agentsTable);
            Files.writeString(dir.resolve("backup-events.jsonl"), UmlLab.events(d2));
            Files.writeString(dir.resolve("backup-agent-log.txt"), d2.shell("cat /run/agent.out").output());
        }
        Files.writeString(dir.resolve("new-master-after.txt"), d2.shell("ipvsadm -Lnc").output());
        Files.writeString(dir.resolve("new-master-dmesg.txt"), d2.shell("dmesg").output());
        String newMaster = software != Software.KEEPALIVED
                ? UmlLab.events(d2).lines().filter(line -> line.contains("state-committed")).findFirst().orElse("no state-committed event")
                : "keepalived";
        lab.closeDirectors();
        DownloadAges ages = DownloadAges.at(killedAt, outcomes);
        Map<String, Double> requestAges = new HashMap<>();
        Long lastSignOfLife = forwarded.last();
        addresses.forEach((client, address) -> {
            Long first = forwarded.of(address);
            if (first != null && lastSignOfLife != null && first - killedAt < 0) {
                requestAges.put(client, (Math.min(killedAt, lastSignOfLife) - first) / 1e6);
            }
        });
        return new Round(software, seed, killAfterMillis, ages, synced(addresses, requestAges, kernelsClients(backupsTable)),
                agentsTable == null ? null : synced(addresses, requestAges, agentsClients(agentsTable)), newMaster);
    }

    /**
     * The clients in the agent's {@code connections} reply whose session's next packet it would
     * send to their real server (a template, or a connection to the transfer's port), or null
     * when the reply came after the takeover (a master's table holds what its own kernel did since).
     */
    private static Set<String> agentsClients(String reply) throws java.io.IOException {
        com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(reply);
        if (!tree.path("role").asText().equals("BACKUP")) {
            return null;
        }
        Set<String> clients = new HashSet<>();
        for (com.fasterxml.jackson.databind.JsonNode entry : tree.path("connections")) {
            String client = entry.path("client").asText();
            if (entry.path("template").asBoolean() || !entry.path("virtual").asText().endsWith(":69")) {
                clients.add(client.substring(0, client.lastIndexOf(':')));
            }
        }
        return clients;
    }

    private static Set<String> kernelsClients(String backupsTable) {
        Set<String> clients = new HashSet<>();
        for (String line : backupsTable.split("\n")) {
            String[] words = line.trim().split("\\s+");
            // "UDP 04:59 UDP 10.98.1.5:34567 10.98.0.10:45678 10.98.0.21:45678", or the client's
            // persistence template "IP 04:58 NONE 10.98.1.5:0 0.0.0.1:0 10.98.0.21:0": either
            // sends the session's next packet to its real server; its request's (to port 69) does not
            if (words.length >= 6 && (words[0].equals("IP") || words[0].equals("UDP") && !words[4].endsWith(":69"))) {
                clients.add(words[3].substring(0, words[3].lastIndexOf(':')));
            }
        }
        return clients;
    }

    /**
     * {@code addresses}: each download's client address, by the client's name; {@code requestAges}:
     * the age of its first request at the kill, by the client's name; {@code clients}: those a
     * table held, or null when it could not be read in time.
     */
    private static Synced synced(Map<String, String> addresses, Map<String, Double> requestAges, Set<String> clients) {
        if (clients == null) {
            return null;
        }
        OptionalDouble oldestMissing = OptionalDouble.empty();
        OptionalDouble youngestHeld = OptionalDouble.empty();
        int held = 0;
        int counted = 0;
        // Finished downloads too: their entries stay in the tables for their timeouts
        for (Map.Entry<String, Double> download : requestAges.entrySet()) {
            double age = download.getValue();
            counted++;
            if (clients.contains(addresses.get(download.getKey()))) {
                held++;
                youngestHeld = OptionalDouble.of(Math.min(age, youngestHeld.orElse(age)));
            } else {
                oldestMissing = OptionalDouble.of(Math.max(age, oldestMissing.orElse(age)));
            }
        }
        return new Synced(held, counted, oldestMissing, youngestHeld);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }
}
