package io.lvsha.agent.director.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.LabTest;
import io.lvsha.agent.lab.RequiresPrograms;
import io.lvsha.netns.NetnsTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent with the nftables backend in the namespace lab, balancing real HTTP and TFTP servers
 * (python's http.server and tftpd-hpa on rs1 and rs2) through the VIP, and following their health.
 */
@NetnsTest
@RequiresPrograms({"nft", "conntrack", "in.tftpd", "tftp", "python3", "timeout", "sysctl"})
class NftablesBackendNetnsTest extends LabTest {
    private static final Duration SOON = Duration.ofSeconds(20);
    static final String SERVICES = """
            director: {backend: nftables}
            services:
              - name: web
                protocol: tcp
                vip: 10.99.0.10
                port: 80
                scheduler: wrr
                check: {type: http, file: /whoami, expect-regex: "^rs", interval: 200ms, probe-timeout: 500ms, timeout: 600ms, reentry: 1s}
                real-servers:
                  - {address: 192.168.50.21, port: 8080, weight: 3}
                  - {address: 192.168.50.22, port: 8080, weight: 1}
              - name: tftp
                fwmark: 1
                match: [{vip: 10.99.0.10, protocol: udp, ports: [69, 1024-65535]}]
                scheduler: rr
                persistence: 60s
                helper: tftp
                check: {type: tftp, file: whoami, interval: 500ms, probe-timeout: 1s}
                real-servers: [{address: 192.168.50.21}, {address: 192.168.50.22}]
            """;


    @BeforeEach
    void setUp() throws Exception {
        for (String rs : new String[] {"rs1", "rs2"}) {
            Path files = Files.createDirectories(lab.dir().resolve(rs + "-files"));
            Files.writeString(files.resolve("whoami"), rs + "\n");
            lab.startRealServer(rs, files);
        }
    }

    /** Which real server answered each of {@code count} HTTP requests to the VIP, from the client. */
    private Map<String, Integer> httpThroughVip(int count) {
        String out = lab.exec("cl", "python3", "-c", """
                import urllib.request, collections
                seen = collections.Counter()
                for i in range(%d):
                    seen[urllib.request.urlopen("http://10.99.0.10/whoami", timeout=5).read().decode().strip()] += 1
                for name, n in sorted(seen.items()):
                    print(name, n)
                """.formatted(count));
        Map<String, Integer> counts = new TreeMap<>();
        for (String line : out.strip().split("\n")) {
            String[] words = line.split(" ");
            counts.put(words[0], Integer.parseInt(words[1]));
        }
        return counts;
    }

    @Test
    void balancesByWeightFollowsHealthAndCarriesTftp() throws Exception {
        Path config = lab.writeConfig("d1", Files.readString(lab.standardConfig("d1", 150, "100ms")) + SERVICES);
        lab.startAgent("d1", config);
        lab.awaitRole("d1", "MASTER", SOON);
        lab.awaitEvent("d1", "table loaded", e -> e.path("event").asText().equals("director-applied"), SOON);

        Map<String, Integer> counts = httpThroughVip(40);
        System.out.println("40 requests, weights 3:1 -> " + counts);
        assertEquals(Map.of("rs1", 30, "rs2", 10), counts, "wrr through numgen: exactly the weights");

        String tftp = lab.exec("cl", "sh", "-c", "cd " + lab.dir() + " && tftp -m binary 10.99.0.10 -c get whoami cl-got && cat cl-got");
        assertTrue(tftp.strip().matches("rs[12]"), "TFTP through the VIP (helper + NAT): " + tftp);

        lab.signal("rs2-http", "KILL");
        JsonNode down = lab.awaitEvent("d1", "rs2 out", e -> e.path("event").asText().equals("real-server-down")
                && e.path("real_server").asText().equals("192.168.50.22:8080"), SOON);
        lab.awaitEvent("d1", "pool without rs2", e -> e.path("event").asText().equals("director-applied")
                && e.toString().contains("-> [192.168.50.21:8080 w3]"), SOON);
        System.out.println("rs2 down: " + down.path("check").asText());
        assertEquals(Map.of("rs1", 20), httpThroughVip(20), "no new session goes to the server that is down");
        JsonNode status = AdminClient.call(lab.awaitAdminSocket("d1", SOON), "{\"cmd\":\"status\"}");
        JsonNode web = status.path("services").get(0);
        assertEquals("down", web.path("real_servers").get(1).path("health").asText(), status.toString());
        assertEquals("out", web.path("real_servers").get(1).path("weight").asText(), status.toString());
        java.io.ByteArrayOutputStream shown = new java.io.ByteArrayOutputStream();
        io.lvsha.agent.ctl.AgentCtl.run(new String[] {"--socket", lab.awaitAdminSocket("d1", SOON).toString(), "status"},
                new java.io.PrintStream(shown, true, java.nio.charset.StandardCharsets.UTF_8), System.err);
        String text = shown.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.contains("service web (tcp 10.99.0.10:80, wrr)"), text);
        assertTrue(text.matches("(?s).*192\\.168\\.50\\.22:8080\\s+down\\s+-\\s+weight out\\s+failed: connect.*"), text);
        JsonNode metrics = AdminClient.call(lab.awaitAdminSocket("d1", SOON), "{\"cmd\":\"metrics\"}");
        assertEquals(1, metrics.path("director.real_servers.down").asInt(), metrics.toString());
        assertTrue(metrics.path("director.applies").asInt() >= 2, metrics.toString());

        lab.startHttp("rs2", lab.dir().resolve("rs2-files"));
        lab.awaitEvent("d1", "rs2 back", e -> e.path("event").asText().equals("real-server-up")
                && e.path("real_server").asText().equals("192.168.50.22:8080"), SOON);
        lab.awaitEvent("d1", "pool with rs2", e -> e.path("event").asText().equals("director-applied")
                && e.toString().contains("-> [192.168.50.21:8080 w3, 192.168.50.22:8080 w1]"), SOON);
        assertEquals(Map.of("rs1", 30, "rs2", 10), httpThroughVip(40), "back in the pool with its weight");
    }
}
