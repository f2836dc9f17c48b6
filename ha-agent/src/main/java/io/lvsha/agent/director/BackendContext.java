package io.lvsha.agent.director;

/**
 * What a backend gets from the agent.
 *
 * @param commands runs the dataplane's tools (ipvsadm, nft, iptables, conntrack)
 * @param syncInterface the interface the kernel's IPVS sync daemon uses, or null (no sync daemon)
 * @param syncId the sync daemon's syncid
 * @param markTool how an ipvs backend writes the marking rules: "nftables" or "iptables"
 */
public record BackendContext(CommandRunner commands, String syncInterface, int syncId, String markTool) {
}
