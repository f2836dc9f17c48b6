package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.Capture;
import io.lvsha.agent.lab.LabTest;
import io.lvsha.agent.lab.ProcessStates;
import io.lvsha.agent.lab.RequiresPrograms;
import io.lvsha.netns.NetnsTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Notify hooks of two agents in the namespace lab: what runs, in which order, and that a hanging one costs no advert. */
@NetnsTest
@RequiresPrograms({"chrt"})
class NotifyHooksNetnsTest extends LabTest {
    private static final Duration SOON = Duration.ofSeconds(15);

    /** A hook that appends "group role priority from nanos" to {@code node}'s file in the lab's directory. */
    private Path recorder(String node) throws IOException {
        Path script = lab.dir().resolve("record-" + node + ".sh");
        Files.writeString(script, "#!/bin/sh\nchrt -p $$ >> " + lab.dir().resolve(node + ".policy")
                + "\necho \"$1 $2 $3 $LVSHA_FROM $(date +%s%N)\" >> " + lab.dir().resolve(node + ".hooks") + "\n");
        script.toFile().setExecutable(true);
        return script;
    }

    private Path config(String node, int priority, String notify) throws IOException {
        Path config = lab.standardConfig(node, priority, "100ms");
        Files.writeString(config, Files.readString(config).replace("group:\n", "group:\n  name: tftp\n  notify:\n" + notify));
        return config;
    }

    private Path everyRole(String node, int priority) throws IOException {
        String hook = "[" + recorder(node) + ", '%g', '%r', '%p']";
        return config(node, priority, "    master: " + hook + "\n    backup: " + hook + "\n    fault: " + hook
                + "\n    stop: " + hook + "\n");
    }

    private List<String[]> awaitHooks(String node, int count) throws Exception {
        Path file = lab.dir().resolve(node + ".hooks");
        long deadline = System.nanoTime() + SOON.toNanos();
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
            if (lines.size() >= count) {
                return lines.stream().map(line -> line.split(" ")).toList();
            }
            Thread.sleep(50);
        }
        throw new AssertionError(node + " ran fewer than " + count + " hooks: " + lines + "\n" + lab.diagnosis());
    }

    private static String roles(List<String[]> hooks) {
        return String.join(",", hooks.stream().map(hook -> hook[1]).toList());
    }

    @Test
    void hooksRunInOrderAfterTheGarpWithTheGroupRoleAndPriority() throws Exception {
        lab.startAgent("d1", everyRole("d1", 150));
        lab.awaitRole("d1", "MASTER", SOON);
        lab.startAgent("d2", everyRole("d2", 100));
        lab.awaitRole("d2", "BACKUP", SOON);
        List<String[]> d1 = awaitHooks("d1", 2);
        assertEquals("backup,master", roles(d1));
        assertEquals(List.of("tftp", "master", "150", "backup"), List.of(d1.get(1)[0], d1.get(1)[1], d1.get(1)[2], d1.get(1)[3]));
        JsonNode garp = lab.awaitEvent("d1", "the takeover's GARP", e -> e.path("event").asText().equals("garp-sent"), SOON);
        Instant garpAt = Instant.parse(garp.path("time").asText());
        long hookNanos = Long.parseLong(d1.get(1)[4]);
        assertTrue(hookNanos >= garpAt.getEpochSecond() * 1_000_000_000L + garpAt.getNano(),
                "the master hook ran before the GARP was sent");

        lab.signal("d1", "TERM");
        lab.awaitRole("d2", "MASTER", SOON);
        assertEquals("backup,master,stop", roles(awaitHooks("d1", 3)), "the stop hook ran before the agent exited");
        assertEquals("backup,master", roles(awaitHooks("d2", 2)));

        // Both channels' links down: d2 can neither hear nor be heard.
        lab.exec("d2", "ip", "link", "set", "pub0", "down");
        lab.exec("d2", "ip", "link", "set", "priv0", "down");
        assertEquals("fault", awaitHooks("d2", 3).get(2)[1]);
        lab.exec("d2", "ip", "link", "set", "pub0", "up");
        List<String[]> d2 = awaitHooks("d2", 4);
        assertEquals("master", d2.get(3)[1], "back from the fault, with its role");
        assertEquals("fault", d2.get(3)[3]);
        // The agent's HA loop is real-time; its hooks must not be (a busy hook would starve the director).
        List<String> policies = Files.readAllLines(lab.dir().resolve("d2.policy"));
        assertTrue(policies.stream().filter(line -> line.contains("policy")).allMatch(line -> line.endsWith("SCHED_OTHER")),
                policies.toString());
    }

    @Test
    void aHangingHookIsKilledAtItsTimeoutWhileTheAdvertsKeepTheirInterval() throws Exception {
        Path pids = lab.dir().resolve("hang.pids");
        Path hang = lab.dir().resolve("hang.sh");
        Files.writeString(hang, "#!/bin/sh\nsleep 300 &\necho $! >> " + pids + "\necho $$ >> " + pids + "\nwait\n");
        hang.toFile().setExecutable(true);
        try (Capture wire = Capture.start(lab, "cl", "eth0")) {
            lab.startAgent("d1", config("d1", 150, "    master: [" + hang + "]\n    timeout: 2s\n"));
            lab.awaitRole("d1", "MASTER", SOON);
            JsonNode timeout = lab.awaitEvent("d1", "the hook's timeout",
                    e -> e.path("event").asText().equals("hook-timeout"), SOON);
            assertEquals("killed with its children after 2000 ms", timeout.path("detail").asText());
            Thread.sleep(300);
            List<Long> gaps = wire.advertGaps("10.99.0.11");
            long max = gaps.stream().mapToLong(Long::longValue).max().orElseThrow();
            System.out.printf("adverts while a notify hook hung for 2 s: %d gaps, longest %.1f ms (interval 100 ms)%n",
                    gaps.size(), max / 1e6);
            assertTrue(gaps.size() >= 15, "too few adverts seen: " + gaps.size());
            // Blocking on the hook would show as a gap of its 2 s timeout; the bound leaves room for machine stalls.
            assertTrue(max < 1_000_000_000L, "an advert gap of " + max / 1e6 + " ms while the hook hung");
        }
        for (String pid : Files.readAllLines(pids)) {
            assertTrue(ProcessStates.awaitStopped(Long.parseLong(pid), SOON),
                    "the hung hook's process " + pid + " survived its timeout: " + ProcessStates.state(Long.parseLong(pid)));
        }
    }
}
