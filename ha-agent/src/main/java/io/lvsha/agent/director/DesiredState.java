package io.lvsha.agent.director;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * What the director should be programmed with: the configured services, or (after
 * {@link #withHealth}) what of them is fit to take traffic right now.
 *
 * @param ownTable the agent owns the backend's whole table: services it does not know are removed
 */
public record DesiredState(List<VirtualService> services, boolean ownTable) {
    public DesiredState {
        services = List.copyOf(services);
    }

    /** Whether every service schedules by a hash of the flow ({@link Scheduler#hashesFlows}). Allocates nothing. */
    public boolean everyServiceHashesFlows() {
        for (int i = 0; i < services.size(); i++) {
            if (!services.get(i).scheduler().hashesFlows()) {
                return false;
            }
        }
        return true;
    }

    public static DesiredState empty() {
        return new DesiredState(List.of(), false);
    }

    /**
     * The pools as they should be programmed now: disabled servers left out; failed ones left out
     * or, with quiesce, kept at weight 0; the sorry server alone when nothing else is healthy.
     *
     * @param healthy whether a service's real server passes its checks
     */
    public DesiredState withHealth(BiPredicate<VirtualService, RealServer> healthy) {
        List<VirtualService> programmed = new ArrayList<>(services.size());
        for (VirtualService service : services) {
            List<RealServer> pool = new ArrayList<>();
            boolean anyHealthy = false;
            for (RealServer server : service.realServers()) {
                if (!server.enabled()) {
                    continue;
                }
                if (healthy.test(service, server)) {
                    anyHealthy |= server.weight() > 0;
                    pool.add(server);
                } else if (service.quiesce()) {
                    pool.add(server.withWeight(0));
                }
            }
            if (!anyHealthy && service.sorryServer() != null) {
                pool.add(service.sorryServer());
            }
            programmed.add(service.withRealServers(pool));
        }
        return new DesiredState(programmed, ownTable);
    }
}
