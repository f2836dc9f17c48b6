package io.lvsha.agent.bench;

import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.Capture;
import io.lvsha.agent.lab.Lab;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * ha-agentctl as an operator runs it (issue 16): each command's round trip, from the launcher's
 * start to its exit, against a lab agent; and what an operator's first {@code status} costs a
 * freshly started agent's HA loop at 10 ms adverts. Printed, never asserted. Needs root.
 * <pre>
 *   ctl.sh [REPS [STARTS]]   REPS runs of each command (default 21), STARTS fresh agents (default 5)
 * </pre>
 */
public final class CtlBenchmark {
    private static final Duration SOON = Duration.ofSeconds(15);
    private static final Path LAUNCHER = Path.of("..", "deploy", "bin", "ha-agentctl").toAbsolutePath().normalize();

    private CtlBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 21;
        int starts = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        roundTrips(reps);
        firstStatusOnAFreshAgent(starts);
    }

    private static void roundTrips(int reps) throws Exception {
        try (Lab lab = Lab.up()) {
            lab.startAgent("d1", lab.standardConfig("d1", 150, "10ms"));
            lab.awaitRole("d1", "MASTER", SOON);
            Path socket = lab.awaitAdminSocket("d1", SOON);
            Path cds = lab.dir().resolve("cds");
            // An operator's first command makes the launcher's AppCDS archive; it is not timed.
            long archiving = ctl(cds, socket, "hello");
            System.out.printf("ha-agentctl round trips, launcher start to exit, %d runs each (ms, min / median / max):%n", reps);
            System.out.printf("  %-44s %8.1f (its first run, which makes the AppCDS archive)%n", "hello", archiving / 1e6);
            System.out.printf("  %-44s %s%n", "hello", describe(cds, socket, reps, "hello"));
            System.out.printf("  %-44s %s%n", "status", describe(cds, socket, reps, "status"));
            ctl(cds, socket, "maintenance", "on");
            System.out.printf("  %-44s %s%n", "switchover (through the HA loop, refused)", describe(cds, socket, reps, "switchover"));
        }
    }

    private static String describe(Path cds, Path socket, int reps, String... command) throws Exception {
        List<Long> nanos = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            nanos.add(ctl(cds, socket, command));
        }
        return FailoverBenchmark.describe(nanos);
    }

    /** One ha-agentctl run, as an operator's shell starts it; its duration. Exit 0 or 1 (refused) both count. */
    private static long ctl(Path cds, Path socket, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(LAUNCHER.toString(), "--socket", socket.toString()));
        line.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(line).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("LVSHA_CDS_DIR", cds.toString());
        long start = System.nanoTime();
        int exit = builder.start().waitFor();
        long took = System.nanoTime() - start;
        if (exit > 1) {
            throw new IllegalStateException("ha-agentctl " + String.join(" ", command) + " exited " + exit);
        }
        return took;
    }

    /**
     * A master at 10 ms adverts, just started: whatever an operator's first status holds its HA loop
     * up for delays an advert. The longest gap between its adverts on the wire (captured on the
     * client's side of the LAN) across the status, against the same window without one.
     */
    private static void firstStatusOnAFreshAgent(int starts) throws Exception {
        System.out.printf("an operator's first status on an agent just started (master, 10 ms adverts; %d starts):%n", starts);
        for (int start = 1; start <= starts; start++) {
            try (Lab lab = Lab.up()) {
                lab.startAgent("d1", lab.standardConfig("d1", 150, "10ms"));
                lab.awaitRole("d1", "MASTER", SOON);
                Path socket = lab.awaitAdminSocket("d1", SOON);
                Thread.sleep(1000);
                double idle = longestAdvertGapMillis(lab, () -> Thread.sleep(20));
                long[] took = new long[1];
                double across = longestAdvertGapMillis(lab, () -> {
                    long begin = System.nanoTime();
                    AdminClient.call(socket, "{\"cmd\":\"status\"}");
                    took[0] = System.nanoTime() - begin;
                });
                System.out.printf("  start %d: reply %5.1f ms; longest advert gap across it %5.1f ms (idle window: %5.1f ms)%n",
                        start, took[0] / 1e6, across, idle);
            }
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    /** The longest gap between d1's adverts from 100 ms before {@code step} to 100 ms after it. */
    private static double longestAdvertGapMillis(Lab lab, Step step) throws Exception {
        try (Capture capture = Capture.start(lab, "cl", "eth0", "ip proto 112")) {
            Thread.sleep(100);
            step.run();
            Thread.sleep(100);
            return capture.advertGaps("10.99.0.11").stream().mapToLong(Long::longValue).max().orElse(0) / 1e6;
        }
    }
}
