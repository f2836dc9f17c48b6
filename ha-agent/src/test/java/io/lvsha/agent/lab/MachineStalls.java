package io.lvsha.agent.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The evidence that this machine stalled during a window of a lab test: the test JVM's own
 * {@link StallWatch}, and the agents' reports of timers their HA loop served late (their stderr:
 * "HH:mm:ss.SSS WARN ... HA loop served a timer N ms late"). A role change nobody caused is a
 * machine's stall only when this shows one; otherwise it is a defect.
 */
public final class MachineStalls implements AutoCloseable {
    private static final Pattern LATE_TIMER = Pattern.compile(
            "(?m)^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .*HA loop served a timer (\\d+) ms late");

    private final Lab lab;
    private final LocalTime since = LocalTime.now();
    private final StallWatch watch = StallWatch.start();

    private MachineStalls(Lab lab) {
        this.lab = lab;
    }

    public static MachineStalls watch(Lab lab) {
        return new MachineStalls(lab);
    }

    /** The longest stall of the test JVM since the window opened. */
    public long testJvmMillis() {
        return watch.maxStallNanos() / 1_000_000;
    }

    /** The latest timer {@code node}'s HA loop reported since the window opened (0 if none). */
    public long agentMillis(String node) {
        Path stderr = lab.dir().resolve(node + ".err");
        String text;
        try {
            text = Files.exists(stderr) ? Files.readString(stderr) : "";
        } catch (IOException e) {
            return 0;
        }
        long latest = 0;
        Matcher late = LATE_TIMER.matcher(text);
        while (late.find()) {
            try {
                if (!LocalTime.parse(late.group(1)).isBefore(since)) {
                    latest = Math.max(latest, Long.parseLong(late.group(2)));
                }
            } catch (DateTimeParseException notATime) {
                // another line shaped like one: not evidence
            }
        }
        return latest;
    }

    /** Whether the test JVM or one of {@code nodes} stalled at least {@code bound}. */
    public boolean reached(Duration bound, String... nodes) {
        long worst = testJvmMillis();
        for (String node : nodes) {
            worst = Math.max(worst, agentMillis(node));
        }
        return worst >= bound.toMillis();
    }

    public String describe(String... nodes) {
        StringBuilder text = new StringBuilder("test JVM stalled up to " + testJvmMillis() + " ms");
        for (String node : nodes) {
            text.append(", ").append(node).append("'s HA loop served a timer up to ").append(agentMillis(node)).append(" ms late");
        }
        return text.toString();
    }

    @Override
    public void close() {
        watch.close();
    }
}
