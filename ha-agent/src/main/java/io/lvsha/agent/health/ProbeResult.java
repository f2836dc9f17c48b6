package io.lvsha.agent.health;

/** One probe's outcome; {@code detail} says what was seen, for status and events. */
public record ProbeResult(boolean ok, String detail) {
    public static ProbeResult ok(String detail) {
        return new ProbeResult(true, detail);
    }

    public static ProbeResult failed(String detail) {
        return new ProbeResult(false, detail);
    }
}
