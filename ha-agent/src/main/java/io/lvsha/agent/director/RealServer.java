package io.lvsha.agent.director;

import io.lvsha.vrrp.IpAddress;

/**
 * A real server of a virtual service.
 *
 * @param port 0 = the port the client asked for (firewall-mark services)
 * @param weight 0..65535; 0 takes no new connections (quiesced)
 * @param enabled false = configured but kept out of the pool by the operator
 */
public record RealServer(IpAddress address, int port, int weight, boolean enabled) {

    public String endpoint() {
        return ServiceKey.endpoint(address, port);
    }

    public RealServer withWeight(int newWeight) {
        return new RealServer(address, port, newWeight, enabled);
    }
}
