package io.lvsha.agent.balancer;

import io.lvsha.agent.director.DesiredState;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.VirtualService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The services as `status` shows them: configured, programmed, and what the health checks last said. */
final class ServicesStatus {
    private ServicesStatus() {
    }

    /** Per service: its key, scheduler, and each real server's health, weight as programmed and last check. */
    static List<Map<String, Object>> of(DesiredState configured, DesiredState programmed, List<Map<String, Object>> health,
                                        RealServerOverrides operator) {
        Map<String, Map<String, Object>> checks = new HashMap<>();
        for (Map<String, Object> row : health) {
            checks.put(row.get("service") + "|" + row.get("real_server"), row);
        }
        Map<String, VirtualService> live = new HashMap<>();
        programmed.services().forEach(service -> live.put(service.name(), service));
        List<Map<String, Object>> services = new ArrayList<>();
        for (VirtualService service : configured.services()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", service.name());
            row.put("key", service.key().toString());
            row.put("scheduler", service.scheduler().ipvsadmName());
            List<Map<String, Object>> servers = new ArrayList<>();
            for (RealServer server : service.realServers()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("address", server.endpoint());
                Map<String, Object> check = checks.get(service.name() + "|" + server.endpoint());
                entry.put("health", !server.enabled() ? "disabled" : check == null ? "unchecked"
                        : Boolean.TRUE.equals(check.get("healthy")) ? "up" : "down");
                RealServerOverrides.Mode mode = operator.modeOf(service.name(), server.endpoint());
                entry.put("operator", mode == null ? null : mode.done());
                entry.put("weight", programmedWeight(live.get(service.name()), server));
                entry.put("last_check", check == null ? "-" : check.get("last_check"));
                servers.add(entry);
            }
            row.put("real_servers", servers);
            services.add(row);
        }
        return services;
    }

    /** The weight the dataplane has for the server, or "out" when it is not programmed. */
    private static Object programmedWeight(VirtualService live, RealServer server) {
        if (live != null) {
            for (RealServer programmed : live.realServers()) {
                if (programmed.endpoint().equals(server.endpoint())) {
                    return programmed.weight();
                }
            }
        }
        return "out";
    }
}
