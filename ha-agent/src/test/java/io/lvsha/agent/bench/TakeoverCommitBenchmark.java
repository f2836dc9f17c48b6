package io.lvsha.agent.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.director.BackendContext;
import io.lvsha.agent.director.CommandRunner;
import io.lvsha.agent.director.nft.NftablesBackend;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.Capture;
import io.lvsha.agent.lab.Lab;
import io.lvsha.netns.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A takeover's steps with a replicated table (issue 16): the nftables NAT pair with the peer link,
 * the master's conntrack filled with N TFTP flows (its agent learns and replicates them), then the
 * master killed and its links cut; the new master's own timings from the cause: first advert,
 * VIPs, first GARP and the commit, in both commit orders (before the VIPs, and after the GARP off
 * the HA loop, which `director.commit-order: auto` takes for source-hashed services); and the
 * longest gap between the new master's adverts on the client's LAN in the 3 s after the kill.
 * Rounds alternate between the orders. Printed, never asserted. Needs root.
 * <pre>
 *   takeover-commit.sh [REPS [SIZE,...]]   default 5 rounds of each order at 0, 10 000 and 100 000 flows
 * </pre>
 */
public final class TakeoverCommitBenchmark {
    private static final Duration SOON = Duration.ofSeconds(30);
    private static final String VIP = "10.99.0.10";
    private static final String SERVICES = """
            director: {backend: nftables, commit-order: %s}
            services:
              - name: tftp
                fwmark: 1
                match: [{vip: 10.99.0.10, protocol: udp, ports: [69, 1024-65535]}]
                scheduler: sh
                helper: tftp
                real-servers: [{address: 192.168.50.21}, {address: 192.168.50.22}]
            """;
    private static final List<String> ORDERS = List.of("before-vips", "auto");
    private static final List<String> STEPS = List.of("advert_us", "vips_us", "garp_us", "commit_us", "advert_gap_us");

    private TakeoverCommitBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        List<Integer> sizes = new ArrayList<>();
        for (String size : (args.length > 1 ? args[1] : "0,10000,100000").split(",")) {
            sizes.add(Integer.parseInt(size.strip()));
        }
        for (int size : sizes) {
            Map<String, Map<String, List<Long>>> figures = new LinkedHashMap<>();
            for (int rep = 0; rep < reps; rep++) {
                for (String order : ORDERS) {
                    JsonNode takeover = round(order, size);
                    System.out.printf("  %d flows, %-11s round %d: %s%n", size, order, rep + 1, takeover);
                    Map<String, List<Long>> steps = figures.computeIfAbsent(order, o -> new LinkedHashMap<>());
                    for (String step : STEPS) {
                        if (takeover.has(step)) {
                            steps.computeIfAbsent(step, s -> new ArrayList<>()).add(takeover.path(step).asLong() * 1000);
                        }
                    }
                }
            }
            System.out.printf("%d replicated flows, the new master's steps from the cause (ms, min / median / max of %d):%n",
                    size, reps);
            figures.forEach((order, steps) -> steps.forEach((step, nanos) ->
                    System.out.printf("  %-12s %-10s %s%n", order, step, FailoverBenchmark.describe(nanos))));
        }
    }

    /** One takeover in a fresh lab: its timings, as the new master's role-change event gives them. */
    private static JsonNode round(String order, int size) throws Exception {
        try (Lab lab = Lab.up()) {
            Path d1 = lab.writeConfig("d1", Files.readString(lab.peerLinkedConfig("d1", 150, "100ms")) + SERVICES.formatted(order));
            Path d2 = lab.writeConfig("d2", Files.readString(lab.peerLinkedConfig("d2", 100, "100ms")) + SERVICES.formatted(order));
            lab.startLinkedPair(d1, d2);
            if (size > 0) {
                fillConntrack(lab, size);
                awaitReplicated(lab, size);
            }
            try (Capture client = Capture.start(lab, "cl", "eth0", "ip proto 112")) {
                Instant killed = Instant.now();
                lab.killNow("d1");
                lab.exec("d1", "ip", "link", "set", "pub0", "down");
                lab.exec("d1", "ip", "link", "set", "priv0", "down");
                JsonNode change = lab.awaitEvent("d2", "takeover", e -> e.path("event").asText().equals("role-change")
                        && e.path("to").asText().equals("MASTER") && Instant.parse(e.path("time").asText()).isAfter(killed), SOON);
                JsonNode committed = lab.awaitEvent("d2", "commit", e -> e.path("event").asText().equals("state-committed")
                        && Instant.parse(e.path("time").asText()).isAfter(killed), SOON);
                Thread.sleep(Math.max(0, 3000 - Duration.between(killed, Instant.now()).toMillis()));
                ObjectNode steps = change.path("takeover").deepCopy();
                steps.put("commit_us", committed.path("commit_us").asLong());
                steps.put("advert_gap_us", client.advertGaps("10.99.0.12").stream().mapToLong(Long::longValue).max()
                        .orElse(0) / 1000);
                return steps;
            }
        }
    }

    /** {@code size} TFTP flows to the VIP in d1's conntrack, as its dataplane would hold them; d1's agent hears of each. */
    private static void fillConntrack(Lab lab, int size) throws Exception {
        CommandRunner unused = (command, input) -> {
            throw new IllegalStateException("a commit runs no program");
        };
        NftablesBackend conntrack = new NftablesBackend(new BackendContext(unused, null, "nftables"));
        try {
            // The conntrack socket opens at the first call, in the namespace of the thread making it.
            int installed = Netns.within(lab.namespace("d1"), () -> conntrack.commit(DirectorBenchmark.tftpFlows(size, VIP)));
            if (installed != size) {
                throw new IllegalStateException("d1's conntrack took " + installed + " of " + size + " flows");
            }
        } finally {
            conntrack.close();
        }
    }

    private static void awaitReplicated(Lab lab, int size) throws Exception {
        Path socket = lab.awaitAdminSocket("d2", SOON);
        long deadline = System.nanoTime() + SOON.toNanos();
        int held = 0;
        while (System.nanoTime() < deadline) {
            held = AdminClient.call(socket, "{\"cmd\":\"status\"}").path("sync").path("connections").asInt();
            if (held >= size) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("d2 holds " + held + " of the " + size + " flows after " + SOON.toSeconds() + " s");
    }
}
