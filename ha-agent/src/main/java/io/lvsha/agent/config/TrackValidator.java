package io.lvsha.agent.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A group's {@code track:}: each entry tracks exactly one of an interface, a script, a file or a service. */
final class TrackValidator {
    private static final long DEFAULT_SCRIPT_INTERVAL_NANOS = 2_000_000_000L;
    private static final long MIN_SCRIPT_INTERVAL_NANOS = 100_000_000L;

    private final ConfigValidator config;

    TrackValidator(ConfigValidator config) {
        this.config = config;
    }

    /** @param field where the list is, e.g. "group.track" */
    AgentConfig.Tracking tracking(String field, List<RawConfig.Track> raw) {
        if (raw == null) {
            return AgentConfig.Tracking.NONE;
        }
        List<AgentConfig.Track> interfaces = new ArrayList<>();
        List<AgentConfig.TrackScript> scripts = new ArrayList<>();
        List<AgentConfig.TrackFile> files = new ArrayList<>();
        List<AgentConfig.TrackService> services = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String at = field + "[" + i + "]";
            RawConfig.Track track = raw.get(i);
            long kinds = Stream.of(track.iface(), track.script(), track.file(), track.service()).filter(x -> x != null).count();
            if (kinds != 1) {
                config.problem(at, kinds == 0 ? "tracks nothing" : "tracks more than one thing",
                        "give exactly one of interface, script, file or service per entry");
            } else if (track.iface() != null) {
                interfaces.add(new AgentConfig.Track(config.interfaceName(at + ".interface", track.iface()),
                        reduction(at, track.weight())));
            } else if (track.script() != null) {
                scripts.add(script(at, track));
            } else if (track.file() != null) {
                if (!track.file().startsWith("/")) {
                    config.problem(at + ".file", "'" + track.file() + "' is not an absolute path", "e.g. /run/ha-agent/weight");
                }
                files.add(new AgentConfig.TrackFile(Path.of(track.file()), weight(at, track.weight(), 1)));
            } else {
                services.add(new AgentConfig.TrackService(track.service(), reduction(at, track.weight())));
            }
        }
        return new AgentConfig.Tracking(interfaces, scripts, files, services);
    }

    private AgentConfig.TrackScript script(String at, RawConfig.Track track) {
        NotifyValidator.program(config, at + ".script", track.script(), "[/usr/local/bin/check-tftp, 127.0.0.1]");
        long interval = config.duration(at + ".interval", track.interval(), DEFAULT_SCRIPT_INTERVAL_NANOS);
        if (interval >= 0 && interval < MIN_SCRIPT_INTERVAL_NANOS) {
            config.problem(at + ".interval", track.interval() + " is too short", "use 100ms or more (default 2s)");
        }
        long timeout = config.duration(at + ".timeout", track.timeout(), interval);
        if (timeout > interval) {
            config.problem(at + ".timeout", track.timeout() + " is longer than the interval",
                    "use at most the interval: a script runs once at a time");
        }
        int rise = ConfigValidator.orDefault(track.rise(), 1);
        int fall = ConfigValidator.orDefault(track.fall(), 1);
        if (rise < 1 || fall < 1 || rise > 100 || fall > 100) {
            config.problem(at, "rise " + rise + " / fall " + fall + " out of range", "use 1..100 results in a row");
        }
        return new AgentConfig.TrackScript(List.copyOf(track.script()), interval, timeout,
                weight(at, track.weight(), -254), rise, fall);
    }

    private int reduction(String at, Integer raw) {
        int weight = ConfigValidator.orDefault(raw, -254);
        if (weight > -1 || weight < -254) {
            config.problem(at + ".weight", weight + " is not a priority reduction", "use -1..-254 (default -254: drop to priority 1)");
        }
        return weight;
    }

    private int weight(String at, Integer raw, int defaultWeight) {
        int weight = ConfigValidator.orDefault(raw, defaultWeight);
        if (weight == 0 || weight < -254 || weight > 254) {
            config.problem(at + ".weight", weight + " is out of range", "use -254..-1 or 1..254");
        }
        return weight;
    }

    /** A tracked service must be one of the director's. */
    static void checkServicesExist(ConfigValidator config, String field, AgentConfig.Tracking tracking,
                                   AgentConfig.Director director) {
        for (AgentConfig.TrackService tracked : tracking.services()) {
            boolean known = director != null && director.desired().services().stream()
                    .anyMatch(service -> service.name().equals(tracked.service()));
            if (!known) {
                config.problem(field, "service '" + tracked.service() + "' is none of the director's services",
                        "name a service from services: (its name:)");
            }
        }
    }
}
