package io.lvsha.agent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.ctl.AgentCtl;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.LabTest;
import io.lvsha.agent.lab.RequiresPrograms;
import io.lvsha.netns.NetnsTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, step 6: piranha's (DE)ACTIVATE at run time. A real server drained on the master
 * finishes the TFTP downloads it was serving and takes no new sessions, on the master, after a reload, on the backup once it has taken
 * over, and after that director's restart; enabled again, it is back in the pool.
 */
@NetnsTest
@RequiresPrograms({"nft", "conntrack", "in.tftpd", "tftp", "python3"})
class RealServerControlNetnsTest extends LabTest {
    private static final Duration SOON = Duration.ofSeconds(20);
    private static final int GETS = 6;
    private static final int IMAGE_MEGABYTES = 24;
    private static final int DOWNLOADS = 4;

    private Path config(String node, int priority) throws Exception {
        Path config = lab.peerLinkedConfig(node, priority, "100ms");
        Files.writeString(config, Files.readString(config) + TftpFailover.SERVICES.replace("director: {backend: nftables}",
                "director: {backend: nftables, state-file: " + lab.dir().resolve(node + "-state/real-servers.json") + "}"));
        return config;
    }

    /** Which real servers answered {@link #GETS} fresh TFTP sessions from the client (each file names its server). */
    private Set<String> servedBy() throws Exception {
        Set<String> servers = new TreeSet<>();
        for (int i = 0; i < GETS; i++) {
            Path out = lab.dir().resolve("whoami-" + System.nanoTime());
            lab.exec("cl", "tftp", "-m", "binary", "10.99.0.10", "-c", "get", "whoami", out.toString());
            servers.add(Files.readString(out).strip());
        }
        return servers;
    }

    private static String ctl(Path socket, String... words) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] args = new String[words.length + 2];
        args[0] = "--socket";
        args[1] = socket.toString();
        System.arraycopy(words, 0, args, 2, words.length);
        int code = AgentCtl.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, String.join(" ", words) + ": " + err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    /** rs2's row in {@code node}'s status, once it shows {@code operator}. */
    private JsonNode awaitRs2(String node, String operator) throws Exception {
        long deadline = System.nanoTime() + SOON.toNanos();
        JsonNode status;
        do {
            status = AdminClient.call(lab.awaitAdminSocket(node, SOON), "{\"cmd\":\"status\"}");
            for (JsonNode server : status.path("services").path(0).path("real_servers")) {
                if (server.path("address").asText().equals("192.168.50.22:0") && server.path("operator").asText("-").equals(operator)
                        && server.path("health").asText().equals("up")) {
                    return server;
                }
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(node + ": rs2 never showed operator " + operator + " and health up: " + status);
    }

    @Test
    void aDrainedRealServerStaysDrainedOverReloadTakeoverAndRestartUntilEnabled() throws Exception {
        TftpImages images = TftpImages.sized(15, IMAGE_MEGABYTES);
        String image = TftpImages.sized(IMAGE_MEGABYTES);
        for (String rs : new String[] {"rs1", "rs2"}) {
            Path files = Files.createDirectories(lab.dir().resolve(rs + "-files"));
            images.writeTo(files);
            Files.writeString(files.resolve("whoami"), rs + "\n");
            lab.startRealServer(rs, files);
        }
        Path d2Config = config("d2", 100);
        lab.startLinkedPair(config("d1", 150), d2Config);
        Path d1 = lab.awaitAdminSocket("d1", SOON);
        awaitRs2("d1", "-");
        assertEquals(Set.of("rs1", "rs2"), servedBy(), "round robin over both");

        // Downloads under way on both servers (round robin), then rs2 is drained in their middle.
        List<Downloads.Client> clients = new ArrayList<>();
        for (int i = 0; i < DOWNLOADS; i++) {
            Path out = lab.dir().resolve("image-" + i);
            clients.add(new Downloads.Client("download-" + i, List.of("ip", "netns", "exec", lab.namespace("cl"), "tftp", "-m",
                    "binary", "10.99.0.10", "-c", "get", image, out.toString()), out, images.sha256(image)));
        }
        Downloads downloads = Downloads.start(clients, lab.dir());
        assertTrue(downloads.awaitEachAtLeast(64 << 10, SOON), "every download under way: " + downloads.behind(64 << 10));
        assertTrue(lab.exec("d1", "conntrack", "-L", "-p", "udp").contains("src=192.168.50.22"), "a download from rs2");
        String reply = ctl(d1, "real-server", "drain", "tftp", "192.168.50.22");
        assertTrue(reply.contains("mode: drained") && reply.contains("peer_told: true") && reply.contains("programmed: true"), reply);
        assertFalse(downloads.behind(IMAGE_MEGABYTES << 20).isEmpty(), "the drain came while downloads were in flight");
        List<Downloads.Outcome> outcomes = downloads.finish(Duration.ofSeconds(120));
        assertEquals(DOWNLOADS, Downloads.intact(outcomes), "drained: rs2's sessions go on to their end: " + outcomes);
        assertEquals(Set.of("rs1"), servedBy(), "drained: no new session goes to rs2");
        assertEquals(0, awaitRs2("d2", "drained").path("weight").asInt(), "the backup drained it too");
        assertTrue(ctl(d1, "status").contains("drained"), "status shows it");

        AdminClient.call(d1, "{\"cmd\":\"reload\"}");
        assertEquals(0, awaitRs2("d1", "drained").path("weight").asInt(), "a reload keeps it");
        assertEquals(Set.of("rs1"), servedBy());

        lab.killNow("d1");
        lab.awaitRole("d2", "MASTER", SOON);
        assertEquals(Set.of("rs1"), servedBy(), "the new master keeps it drained");

        lab.signal("d2", "TERM");
        assertTrue(lab.awaitExit("d2", SOON));
        int before = lab.roleChanges("d2").size();
        lab.startAgent("d2", d2Config);
        lab.awaitEvent("d2", "the settings read back", e -> e.path("event").asText().equals("real-servers-restored"), SOON);
        lab.awaitRole("d2", "MASTER", SOON, before);
        assertEquals(0, awaitRs2("d2", "drained").path("weight").asInt(), "a restart keeps it");
        assertEquals(Set.of("rs1"), servedBy());

        String enabled = ctl(lab.awaitAdminSocket("d2", SOON), "real-server", "enable", "tftp", "192.168.50.22");
        assertTrue(enabled.contains("mode: enabled") && enabled.contains("peer_told: false"), enabled);
        awaitRs2("d2", "-");
        assertEquals(Set.of("rs1", "rs2"), servedBy(), "enabled: back in the pool");
    }
}
