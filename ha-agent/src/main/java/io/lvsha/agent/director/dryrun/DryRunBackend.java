package io.lvsha.agent.director.dryrun;

import io.lvsha.agent.director.ApplyReport;
import io.lvsha.agent.director.BackendContext;
import io.lvsha.agent.director.DesiredState;
import io.lvsha.agent.director.DirectorBackend;
import io.lvsha.agent.director.DirectorBackendProvider;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.VirtualService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Programs nothing: keeps the state it was given and records each change as a line, for
 * {@code ha-agent --check} and for tests of everything above the dataplane.
 */
public final class DryRunBackend implements DirectorBackend {
    private Map<String, VirtualService> programmed = new LinkedHashMap<>();
    private final List<String> log = new ArrayList<>();

    /** Registered in META-INF/services. */
    public static final class Provider implements DirectorBackendProvider {
        @Override
        public String name() {
            return "dry-run";
        }

        @Override
        public DirectorBackend create(BackendContext context) {
            return new DryRunBackend();
        }
    }

    @Override
    public String name() {
        return "dry-run";
    }

    @Override
    public synchronized ApplyReport apply(DesiredState desired) {
        List<String> changes = new ArrayList<>();
        Map<String, VirtualService> next = new LinkedHashMap<>();
        for (VirtualService service : desired.services()) {
            next.put(service.name(), service);
            VirtualService before = programmed.get(service.name());
            if (before == null) {
                changes.add("add service " + service.name() + " (" + service.key() + ", " + service.scheduler().ipvsadmName()
                        + (service.persistenceSeconds() > 0 ? ", persistent " + service.persistenceSeconds() + "s" : "") + ")");
            }
            Map<String, RealServer> old = new HashMap<>();
            if (before != null) {
                before.realServers().forEach(server -> old.put(server.endpoint(), server));
            }
            for (RealServer server : service.realServers()) {
                RealServer was = old.remove(server.endpoint());
                if (was == null) {
                    changes.add("add real server " + server.endpoint() + " to " + service.name() + " (weight " + server.weight() + ")");
                } else if (was.weight() != server.weight()) {
                    changes.add("set real server " + server.endpoint() + " of " + service.name() + " to weight " + server.weight());
                }
            }
            old.keySet().forEach(endpoint -> changes.add("remove real server " + endpoint + " from " + service.name()));
        }
        programmed.keySet().stream().filter(name -> !next.containsKey(name))
                .forEach(name -> changes.add("remove service " + name));
        programmed = next;
        log.addAll(changes);
        return new ApplyReport(changes, 0);
    }

    @Override
    public String render(DesiredState desired) {
        return String.join("\n", new DryRunBackend().apply(desired).changes()) + "\n";
    }

    @Override
    public synchronized void roleChanged(boolean master) {
        log.add(master ? "sync role: master" : "sync role: backup");
    }

    /** Every change recorded so far, oldest first. */
    public synchronized List<String> log() {
        return List.copyOf(log);
    }

    /** What is "programmed" now. */
    public synchronized Map<String, VirtualService> programmed() {
        return Map.copyOf(programmed);
    }
}
