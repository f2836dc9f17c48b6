package io.lvsha.agent.director;

import io.lvsha.vrrp.AddressFamily;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The packet-marking rules that give firewall-mark services their traffic, in a table or chain
 * the agent owns, replaced as a whole in one transaction. IPVS cannot mark packets itself.
 */
public final class MarkRules {
    static final String NFT_TABLE = "lvsha_mark";
    public static final String IPTABLES_CHAIN = "LVSHA-MARK";

    private MarkRules() {
    }

    /** An {@code nft -f} script: the table deleted and written again, atomically. */
    public static String nftables(List<VirtualService> services) {
        StringBuilder script = new StringBuilder();
        script.append("table inet ").append(NFT_TABLE).append(" {\n}\n");
        script.append("delete table inet ").append(NFT_TABLE).append('\n');
        script.append("table inet ").append(NFT_TABLE).append(" {\n");
        script.append("\tchain prerouting {\n\t\ttype filter hook prerouting priority mangle; policy accept;\n");
        for (VirtualService service : services) {
            if (!(service.key() instanceof ServiceKey.Fwmark fwmark)) {
                continue;
            }
            for (MarkRule rule : service.marks()) {
                script.append("\t\t").append(nftRule(rule, fwmark.mark(), service.name())).append('\n');
            }
        }
        script.append("\t}\n}\n");
        return script.toString();
    }

    /** One nftables rule that marks a rule's packets, e.g. {@code ip daddr 10.0.0.10 udp dport { 69 } meta mark set 0x1}. */
    public static String nftRule(MarkRule rule, int mark, String comment) {
        return (rule.vip().family() == AddressFamily.IPV6 ? "ip6" : "ip") + " daddr " + rule.vip() + ' '
                + rule.protocol().lowerName() + " dport { "
                + rule.ports().stream().map(PortRange::toString).collect(Collectors.joining(", "))
                + " } meta mark set 0x" + Integer.toHexString(mark) + " comment \"" + comment + '"';
    }

    /**
     * An {@code iptables-restore --noflush} script for the mangle table: declaring the chain
     * empties it, so the chain is replaced in one commit. For kernels without nf_tables.
     */
    public static String iptables(List<VirtualService> services) {
        StringBuilder script = new StringBuilder("*mangle\n:").append(IPTABLES_CHAIN).append(" - [0:0]\n");
        for (VirtualService service : services) {
            if (!(service.key() instanceof ServiceKey.Fwmark fwmark)) {
                continue;
            }
            for (MarkRule rule : service.marks()) {
                if (rule.vip().family() == AddressFamily.IPV6) {
                    throw new IllegalArgumentException("iptables marks are IPv4 only: " + service.name());
                }
                for (PortRange range : rule.ports()) {
                    script.append("-A ").append(IPTABLES_CHAIN).append(" -d ").append(rule.vip()).append("/32 -p ")
                            .append(rule.protocol().lowerName()).append(" --dport ")
                            .append(range.from() == range.to() ? range.from() : range.from() + ":" + range.to())
                            .append(" -j MARK --set-mark ").append(fwmark.mark()).append('\n');
                }
            }
        }
        return script.append("COMMIT\n").toString();
    }
}
