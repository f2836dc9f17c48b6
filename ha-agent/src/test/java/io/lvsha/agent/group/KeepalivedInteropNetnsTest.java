package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.lab.LabTest;
import io.lvsha.agent.lab.RequiresPrograms;
import io.lvsha.agent.lab.StallWatch;
import io.lvsha.netns.NetnsTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ha-agent in d1 and keepalived 2.2.7 (Debian) in d2, one VRID on the public channel: each wins
 * with the higher priority, each takes over when the other dies, and neither drops the other's
 * adverts (a backup that dropped them would take over while the other is alive).
 */
@NetnsTest
@RequiresPrograms({"keepalived", "sysctl"})
class KeepalivedInteropNetnsTest extends LabTest {
    private static final Duration SOON = Duration.ofSeconds(20);
    private static final String VIP = "10.99.0.10";


    private Path agentConfig(int version, int priority, String interval) throws Exception {
        return lab.writeConfig("d1", """
                node: d1
                group:
                  vrid: 51
                  version: %d
                  priority: %d
                  advert-interval: %s
                  channels:
                    - {name: public, interface: pub0}
                vips:
                  - {address: 10.99.0.10/24, interface: pub0}
                garp: {repeat-burst: 0}
                events: {file: %s}
                admin: {socket: %s}
                """.formatted(version, priority, interval, lab.eventFile("d1"), lab.dir().resolve("d1.sock")));
    }

    private void startKeepalived(int version, int priority, String interval) throws Exception {
        Path conf = lab.dir().resolve("keepalived.conf");
        Files.writeString(conf, """
                global_defs {
                  router_id ka-d2
                  vrrp_version %d
                  vrrp_garp_master_delay 0
                }
                vrrp_instance VI_1 {
                  state BACKUP
                  interface pub0
                  virtual_router_id 51
                  priority %d
                  advert_int %s
                  virtual_ipaddress {
                    10.99.0.10/24 dev pub0
                  }
                }
                """.formatted(version, priority, interval));
        lab.start("keepalived", List.of("ip", "netns", "exec", lab.namespace("d2"), "keepalived", "-n", "-l", "-D",
                "-P", "-f", conf.toString(), "-p", lab.dir().resolve("ka.pid").toString(),
                "-r", lab.dir().resolve("ka-vrrp.pid").toString()));
    }

    private String keepalivedLog() throws Exception {
        return Files.readString(lab.dir().resolve("keepalived.out")) + Files.readString(lab.dir().resolve("keepalived.err"));
    }

    private void awaitAddress(String node, boolean present) throws Exception {
        long deadline = System.nanoTime() + SOON.toNanos();
        while (lab.hasAddress(node, "pub0", VIP) != present && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(present, lab.hasAddress(node, "pub0", VIP),
                node + (present ? " never got " : " kept ") + VIP + "; keepalived said: " + keepalivedLog());
    }

    /**
     * Waits long enough for a backup that dropped the master's adverts to have taken over (three
     * Master_Down_Intervals); @return whether the machine was quiet enough to judge that.
     */
    private static boolean holdFor(String interval) throws InterruptedException {
        try (StallWatch machine = StallWatch.start()) {
            Thread.sleep(interval.endsWith("ms") ? 1500 : 12_000);
            return machine.quieterThan(Duration.ofMillis(interval.endsWith("ms") ? 360 : 3600));
        }
    }

    @ParameterizedTest(name = "VRRPv{0} at {1}")
    @CsvSource({"2, 1s, 1", "3, 100ms, 0.1"})
    void agentWithTheHigherPriorityWinsAndKeepalivedTakesOverWhenItDies(int version, String interval,
                                                                       String keepalivedInterval) throws Exception {
        startKeepalived(version, 100, keepalivedInterval);
        awaitAddress("d2", true);
        lab.startAgent("d1", agentConfig(version, 150, interval));
        lab.awaitRole("d1", "MASTER", SOON);
        awaitAddress("d2", false);
        if (holdFor(interval)) {
            assertEquals(1, lab.roleChanges("d1").stream().filter(e -> e.path("to").asText().equals("MASTER")).count(),
                    "the agent lost mastership to a lower-priority keepalived");
            String log = keepalivedLog();
            assertTrue(log.lastIndexOf("Entering BACKUP STATE") > log.lastIndexOf("Entering MASTER STATE"),
                    "keepalived did not stay backup under our adverts: " + log);
        }
        awaitAddress("d2", false);
        lab.awaitRole("d1", "MASTER", SOON);

        // A killed agent cannot remove its VIP (a dead node): keepalived must take over regardless.
        lab.signal("d1", "KILL");
        awaitAddress("d2", true);
    }

    @ParameterizedTest(name = "VRRPv{0} at {1}")
    @CsvSource({"2, 1s, 1", "3, 100ms, 0.1"})
    void keepalivedWithTheHigherPriorityWinsAndTheAgentTakesOverWhenItDies(int version, String interval,
                                                                          String keepalivedInterval) throws Exception {
        startKeepalived(version, 150, keepalivedInterval);
        awaitAddress("d2", true);
        lab.startAgent("d1", agentConfig(version, 100, interval));
        lab.awaitRole("d1", "BACKUP", SOON);
        if (holdFor(interval)) {
            assertTrue(lab.roleChanges("d1").stream().noneMatch(e -> e.path("to").asText().equals("MASTER")),
                    "the agent took over from a live, higher-priority keepalived: it dropped its adverts");
        }
        lab.awaitRole("d1", "BACKUP", SOON);
        assertFalse(lab.hasAddress("d1", "pub0", VIP));

        lab.signal("keepalived", "KILL");
        lab.awaitRole("d1", "MASTER", SOON);
        assertTrue(lab.hasAddress("d1", "pub0", VIP));
    }
}
