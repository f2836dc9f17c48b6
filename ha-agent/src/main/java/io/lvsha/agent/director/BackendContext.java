package io.lvsha.agent.director;

/**
 * What a backend gets from the agent.
 *
 * @param commands runs the dataplane's tools (ipvsadm, nft, iptables)
 * @param syncDaemon the kernel's IPVS sync daemon, or null (none runs)
 * @param markTool how an ipvs backend writes the marking rules: nftables, iptables or iptables-legacy
 */
public record BackendContext(CommandRunner commands, SyncDaemon syncDaemon, String markTool) {
}
