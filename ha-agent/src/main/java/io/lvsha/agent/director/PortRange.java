package io.lvsha.agent.director;

/** Ports {@code from..to}, both included; a single port has {@code from == to}. */
public record PortRange(int from, int to) {
    public PortRange {
        if (from < 1 || to > 65535 || from > to) {
            throw new IllegalArgumentException("port range " + from + "-" + to + " is not within 1..65535");
        }
    }

    public boolean overlaps(PortRange other) {
        return from <= other.to && other.from <= to;
    }

    /** As nftables writes it: "69" or "1024-65535". */
    @Override
    public String toString() {
        return from == to ? Integer.toString(from) : from + "-" + to;
    }
}
