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
                 String newMaster) {
        String describe() {
            return String.format(Locale.ROOT, "%s: master killed %d ms into the stream (seed %d): %s; the backup's kernel at the"
                    + " kill: %s; new master: %s", software.label(), killAfterMillis, seed, ages.describe(), backupsKernel, newMaster);
        }
    }

    /**
     * Which downloads the backup's kernel held a connection or the persistence template of at the
     * kill: the kernel sync's own window, whatever luck the re-balancing of the others had.
     */
    record Synced(int held, int downloads, OptionalDouble oldestMissing, OptionalDouble youngestHeld) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d/%d held; oldest missing %s, youngest held %s", held, downloads,
                    DownloadAges.millis(oldestMissing), DownloadAges.millis(youngestHeld));
        }
    }

    /** Seen from the client, a download sent to the wrong real server never moves again; curl would retry for minutes. */
    private static final Duration BROKEN_AFTER_STALL = Duration.ofSeconds(20);
    private static final Duration TRANSFERS = Duration.ofSeconds(240);
    private static final Duration TAKEOVER = Duration.ofSeconds(60);
    private static final int[] BLOCK_SIZES = {512, 1024, 1468};

    private final UmlLab lab;
    private final TftpImages images;
    private final int perSecond;
    private int rounds;

    /**
     * @param images the lab's images: image-Nm.bin for N of 2..8
     * @param perSecond new downloads per second
     */
    UmlReplicationWindow(UmlLab lab, TftpImages images, int perSecond) {
        this.lab = lab;
        this.images = images;
        this.perSecond = perSecond;
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
        Downloads downloads = new Downloads(dir);
        Map<String, String> addresses = new HashMap<>();
        long start = System.nanoTime();
        long killAt = start + killAfterMillis * 1_000_000L;
        long period = 1_000_000_000L / perSecond;
        for (int i = 0; start + i * period < killAt; i++) {
            sleepUntil(start + i * period);
            String image = TftpImages.sized(2 + random.nextInt(7));
            int blockSize = BLOCK_SIZES[random.nextInt(BLOCK_SIZES.length)];
            Downloads.Client client = lab.download(dir, i, image, images.sha256(image), blockSize, (int) TRANSFERS.toSeconds());
            addresses.put(client.name(), lab.clientAddress(i));
            downloads.start(client);
        }
        sleepUntil(killAt);
        long killedAt = System.nanoTime();
        d1.kill();
        // Nothing reaches the backup's kernel after this: its table now is what the kernel's sync gave it.
        String backupsTable = d2.shell("ipvsadm -Lnc").output();
        if (software != Software.KEEPALIVED) {
            UmlLab.awaitEvent(d2, "d2 takes over", "\"to\":\"MASTER\"", TAKEOVER);
        } else {
            UmlLab.awaitKeepalivedMaster(d2, TAKEOVER);
        }
        List<Downloads.Outcome> outcomes = downloads.finish(TRANSFERS, BROKEN_AFTER_STALL);
        Files.writeString(dir.resolve("backup-at-kill.txt"), backupsTable);
        Files.writeString(dir.resolve("new-master-after.txt"), d2.shell("ipvsadm -Lnc").output());
        String newMaster = software != Software.KEEPALIVED
                ? UmlLab.events(d2).lines().filter(line -> line.contains("state-committed")).findFirst().orElse("no state-committed event")
                : "keepalived";
        lab.closeDirectors();
        DownloadAges ages = DownloadAges.at(killedAt, outcomes);
        return new Round(software, seed, killAfterMillis, ages, synced(ages, addresses, backupsTable), newMaster);
    }

    /** {@code addresses}: each download's client address, by the client's name. */
    private static Synced synced(DownloadAges ages, Map<String, String> addresses, String backupsTable) {
        Set<String> clients = new HashSet<>();
        for (String line : backupsTable.split("\n")) {
            String[] words = line.trim().split("\\s+");
            // "UDP 04:59 UDP 10.98.1.5:34567 10.98.0.10:45678 10.98.0.21:45678", or the client's
            // persistence template "IP 04:58 NONE 10.98.1.5:0 0.0.0.1:0 10.98.0.21:0": either
            // sends the session's next packet to its real server
            if (words.length >= 6 && (words[0].equals("UDP") || words[0].equals("IP"))) {
                clients.add(words[3].substring(0, words[3].lastIndexOf(':')));
            }
        }
        OptionalDouble oldestMissing = OptionalDouble.empty();
        OptionalDouble youngestHeld = OptionalDouble.empty();
        int held = 0;
        for (DownloadAges.Aged download : ages.downloads()) {
            double age = download.ageMillis();
            if (clients.contains(addresses.get(download.outcome().client()))) {
                held++;
                youngestHeld = OptionalDouble.of(Math.min(age, youngestHeld.orElse(age)));
            } else {
                oldestMissing = OptionalDouble.of(Math.max(age, oldestMissing.orElse(age)));
            }
        }
        return new Synced(held, ages.downloads().size(), oldestMissing, youngestHeld);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }
}
