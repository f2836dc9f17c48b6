package io.lvsha.agent.director;

/**
 * What a backend gets from the agent.
 *
 * @param commands runs the dataplane's tools (ipvsadm, nft, iptables, conntrack)
 * @param syncInterface the interface the kernel's IPVS sync daemon uses, or null (no sync daemon)
 * @param syncId the sync daemon's syncid
 * @param syncGroup the sync daemon's multicast group and port (224.0.0.81:8848 by default)
 * @param markTool how an ipvs backend writes the marking rules: nftables, iptables or iptables-legacy
 */
public record BackendContext(CommandRunner commands, String syncInterface, int syncId,
                             java.net.InetSocketAddress syncGroup, String markTool) {
}
