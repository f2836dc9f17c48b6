package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.LabTest;
import io.lvsha.netns.NetnsTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tracked scripts and files move the priority of a live pair: mastership follows them, and comes back. */
@NetnsTest
class TrackingNetnsTest extends LabTest {
    private static final Duration SOON = Duration.ofSeconds(15);

    private static JsonNode status(Path socket) throws java.io.IOException {
        return AdminClient.call(socket, "{\"cmd\":\"status\"}");
    }

    private static JsonNode term(JsonNode status, String prefix) {
        for (JsonNode term : status.path("priority").path("tracked")) {
            if (term.path("track").asText().startsWith(prefix)) {
                return term;
            }
        }
        throw new AssertionError("no term " + prefix + " in " + status);
    }

    @Test
    void aFailingTrackScriptHandsMastershipOverAndItsRecoveryTakesItBack() throws Exception {
        Path flag = lab.dir().resolve("tftp-pool-ok");
        Files.writeString(flag, "");
        Path weight = lab.dir().resolve("weight");
        Files.writeString(weight, "0\n");
        Path d1 = lab.standardConfig("d1", 150, "100ms");
        Files.writeString(d1, Files.readString(d1).replace("  track:\n", "  track:\n"
                + "    - {script: [/usr/bin/test, -e, " + flag + "], interval: 200ms, weight: -100, rise: 2, fall: 2}\n"
                + "    - {file: " + weight + ", weight: 1}\n"));
        lab.startAgent("d1", d1);
        lab.awaitRole("d1", "MASTER", SOON);
        lab.startAgent("d2", lab.standardConfig("d2", 100, "100ms"));
        lab.awaitRole("d2", "BACKUP", SOON);
        Path socket = lab.awaitAdminSocket("d1", SOON);

        Files.delete(flag);
        lab.awaitRole("d2", "MASTER", SOON);
        JsonNode failing = lab.awaitEvent("d1", "the script's failure", e -> e.path("event").asText().equals("track-changed")
                && e.path("state").asText().equals("failing"), SOON);
        assertEquals(50, failing.path("priority").asInt(), failing.toString());
        JsonNode status = status(socket);
        assertEquals(50, status.path("priority").path("effective").asInt(), status.toString());
        assertEquals(-100, term(status, "script /usr/bin/test").path("applied").asInt(), status.toString());
        assertEquals("exit 1", term(status, "script /usr/bin/test").path("detail").asText(), status.toString());

        Files.writeString(flag, "");
        lab.awaitRole("d1", "MASTER", SOON, 3); // d1: backup, master, backup, master
        assertEquals(150, status(socket).path("priority").path("effective").asInt());

        // keepalived's track_file: the operator writes a weight, the priority follows it.
        Files.writeString(weight, "-60\n");
        lab.awaitRole("d2", "MASTER", SOON, 3); // d2: backup, master, backup, master
        JsonNode lowered = status(socket);
        assertEquals(90, lowered.path("priority").path("effective").asInt(), lowered.toString());
        assertEquals(-60, term(lowered, "file").path("applied").asInt(), lowered.toString());
        Files.writeString(weight, "0\n");
        lab.awaitRole("d1", "MASTER", SOON, 5);
        assertEquals(List.of("interface pub0", "script /usr/bin/test -e " + flag, "file " + weight),
                List.of(term(lowered, "interface").path("track").asText(), term(lowered, "script").path("track").asText(),
                        term(lowered, "file").path("track").asText()));
    }

    @Test
    void aServiceWithoutRealServersHandsMastershipOverUntilOneIsBack() throws Exception {
        Path files = lab.dir().resolve("rs1-files");
        Files.createDirectories(files);
        Files.writeString(files.resolve("whoami"), "rs1\n");
        lab.startHttp("rs1", files);
        Path d1 = lab.standardConfig("d1", 150, "100ms");
        Files.writeString(d1, Files.readString(d1).replace("  track:\n", "  track:\n    - {service: web, weight: -100}\n")
                + """
                director: {backend: dry-run}
                services:
                  - name: web
                    fwmark: 1
                    match: [{vip: 10.99.0.10, protocol: tcp, ports: [8080]}]
                    check: {type: http, port: 8080, file: /whoami, interval: 200ms, probe-timeout: 500ms, timeout: 600ms, reentry: 1s}
                    real-servers: [{address: 192.168.50.21, port: 8080}]
                """);
        lab.startAgent("d1", d1);
        lab.awaitRole("d1", "MASTER", SOON);
        lab.startAgent("d2", lab.standardConfig("d2", 100, "100ms"));
        lab.awaitRole("d2", "BACKUP", SOON);

        lab.killNow("rs1-http");
        lab.awaitRole("d2", "MASTER", SOON);
        JsonNode down = lab.awaitEvent("d1", "the service's term", e -> e.path("event").asText().equals("track-changed")
                && e.path("track").asText().equals("service web"), SOON);
        assertEquals("down", down.path("state").asText(), down.toString());
        assertEquals(50, down.path("priority").asInt(), down.toString());

        lab.startHttp("rs1", files);
        lab.awaitRole("d1", "MASTER", SOON, 3); // d1: backup, master, backup, master
        assertEquals(0, term(status(lab.awaitAdminSocket("d1", SOON)), "service web").path("applied").asInt());
    }
}
