package io.lvsha.agent.director.nft;

import io.lvsha.agent.director.MarkRule;
import io.lvsha.agent.director.MarkRules;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.Scheduler;
import io.lvsha.agent.director.ServiceKey;
import io.lvsha.agent.director.VirtualService;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The nftables dataplane for a set of services: one table holding the marking rules, a NAT
 * balancing chain per service with one chain per real server, persistence maps, and the conntrack
 * helpers. Pure text generation.
 */
final class NftRuleset {
    static final String TABLE = "lvsha";
    /** sh/dh hash with a fixed seed so that both directors send a client to the same real server. */
    private static final String HASH_SEED = "0x4c5648a1";

    private NftRuleset() {
    }

    /** The schedulers this dataplane can express: numgen for round robin, jhash for the hashing ones. */
    static final Set<Scheduler> SUPPORTED = Set.of(Scheduler.RR, Scheduler.WRR, Scheduler.SH, Scheduler.DH);

    /** The {@code table ip lvsha { ... }} definition. */
    static String table(List<VirtualService> services) {
        StringBuilder out = new StringBuilder("table ip ").append(TABLE).append(" {\n");
        Set<String> helpers = new TreeSet<>();
        services.stream().filter(service -> service.helper() != null).forEach(service -> helpers.add(service.helper()));
        for (String helper : helpers) {
            out.append("\tct helper ").append(helper).append(" {\n\t\ttype \"").append(helper).append("\" protocol ")
                    .append(helperProtocol(helper)).append("\n\t\tl3proto ip\n\t}\n");
        }
        for (VirtualService service : services) {
            if (service.persistenceSeconds() > 0) {
                out.append("\tmap ").append(persistMap(service)).append(" {\n\t\ttype ipv4_addr : ipv4_addr")
                        .append(service.key() instanceof ServiceKey.Address ? " . inet_service" : "")
                        .append("\n\t\tflags dynamic,timeout\n\t\ttimeout ").append(service.persistenceSeconds())
                        .append("s\n\t}\n");
            }
        }
        out.append("\tchain marking {\n\t\ttype filter hook prerouting priority mangle; policy accept;\n");
        for (VirtualService service : services) {
            if (service.key() instanceof ServiceKey.Fwmark fwmark) {
                for (MarkRule rule : service.marks()) {
                    out.append("\t\t").append(MarkRules.nftRule(rule, fwmark.mark(), service.name())).append('\n');
                }
            }
        }
        out.append("\t}\n\tchain balance {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n");
        for (VirtualService service : services) {
            out.append("\t\t").append(match(service)).append(" jump ").append(chain(service)).append('\n');
        }
        out.append("\t}\n");
        for (VirtualService service : services) {
            serviceChains(service, out);
        }
        out.append("\tchain helpers {\n\t\ttype filter hook prerouting priority filter; policy accept;\n");
        for (VirtualService service : services) {
            if (service.helper() != null) {
                out.append("\t\tct state new ").append(helperMatch(service)).append(" ct helper set \"")
                        .append(service.helper()).append("\"\n");
            }
        }
        out.append("\t}\n");
        strays(services, out);
        // Replies of NATed flows are translated in postrouting: a nat chain there registers the hook.
        out.append("\tchain postnat {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t}\n}\n");
        return out.toString();
    }

    /**
     * The table's declarations (helpers and maps): when they change the table is rebuilt; when
     * only rules change it is flushed and refilled, which keeps the persistence maps' contents.
     */
    static String declarations(String table) {
        return table.substring(0, table.indexOf("\tchain marking"));
    }

    /** The chains a table text defines. */
    static Set<String> chains(String table) {
        Set<String> chains = new TreeSet<>();
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("(?m)^\tchain (\\S+) \\{").matcher(table);
        while (matcher.find()) {
            chains.add(matcher.group(1));
        }
        return chains;
    }

    static String persistMap(VirtualService service) {
        return "persist_" + id(service);
    }

    private static void serviceChains(VirtualService service, StringBuilder out) {
        List<RealServer> pool = service.realServers().stream().filter(server -> server.weight() > 0).toList();
        out.append("\tchain ").append(chain(service)).append(" {\n");
        String key = persistKey(service);
        if (service.persistenceSeconds() > 0) {
            out.append("\t\t").append(l4(service)).append("dnat to ").append(key).append(" map @")
                    .append(persistMap(service)).append('\n');
        }
        if (!pool.isEmpty()) {
            int total = 0;
            List<String> entries = new ArrayList<>();
            for (int i = 0; i < service.realServers().size(); i++) {
                RealServer server = service.realServers().get(i);
                if (server.weight() == 0) {
                    continue;
                }
                int weight = service.scheduler() == Scheduler.RR ? 1 : server.weight();
                entries.add((weight == 1 ? Integer.toString(total) : total + "-" + (total + weight - 1))
                        + " : jump " + chain(service) + "_" + i);
                total += weight;
            }
            out.append("\t\t").append(selector(service.scheduler(), total)).append(" vmap { ")
                    .append(String.join(", ", entries)).append(" }\n");
        }
        out.append("\t}\n");
        for (int i = 0; i < service.realServers().size(); i++) {
            RealServer server = service.realServers().get(i);
            if (server.weight() == 0) {
                continue;
            }
            String target = service.key() instanceof ServiceKey.Address ? server.address() + ":" + server.port()
                    : server.address().toString();
            out.append("\tchain ").append(chain(service)).append('_').append(i).append(" {\n");
            if (service.persistenceSeconds() > 0) {
                out.append("\t\tupdate @").append(persistMap(service)).append(" { ").append(key).append(" : ")
                        .append(service.key() instanceof ServiceKey.Address ? server.address() + " . " + server.port()
                                : server.address().toString())
                        .append(" }\n");
            }
            out.append("\t\t").append(l4(service)).append("dnat to ").append(target).append("\n\t}\n");
        }
    }

    private static String selector(Scheduler scheduler, int modulus) {
        return switch (scheduler) {
            case SH -> "jhash ip saddr mod " + modulus + " seed " + HASH_SEED;
            case DH -> "jhash ip daddr mod " + modulus + " seed " + HASH_SEED;
            default -> "numgen inc mod " + modulus;
        };
    }

    private static String persistKey(VirtualService service) {
        int prefix = service.persistencePrefix();
        if (prefix >= 32) {
            return "ip saddr";
        }
        long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        return "ip saddr & " + (mask >>> 24) + "." + ((mask >>> 16) & 0xff) + "." + ((mask >>> 8) & 0xff) + "." + (mask & 0xff);
    }

    /** A port translation needs the transport protocol named first. */
    private static String l4(VirtualService service) {
        return service.key() instanceof ServiceKey.Address address ? "meta l4proto " + address.protocol().lowerName() + " " : "";
    }

    private static String match(VirtualService service) {
        if (service.key() instanceof ServiceKey.Fwmark fwmark) {
            return "meta mark 0x" + Integer.toHexString(fwmark.mark());
        }
        ServiceKey.Address address = (ServiceKey.Address) service.key();
        return "ip daddr " + address.vip() + " " + address.protocol().lowerName() + " dport " + address.port();
    }

    /**
     * A TFTP server answers from a new port. An answer to a request the old master forwarded but
     * whose expectation died with it reaches the new master as a new flow from the real server,
     * and would go to the client untranslated, from the real server's own address: the client
     * takes that address as its server's and the download is lost, where dropping it lets the
     * client's retry start over through the new master (measured: a CI round lost 26 downloads
     * whose first data came after the kill). Only new UDP flows from a TFTP service's real
     * server, port to port above 1023, are dropped: a real server's own queries go to low ports.
     */
    private static void strays(List<VirtualService> services, StringBuilder out) {
        Set<String> servers = new TreeSet<>();
        services.stream().filter(service -> "tftp".equals(service.helper()))
                .forEach(service -> service.realServers().forEach(server -> servers.add(server.address().toString())));
        if (servers.isEmpty()) {
            return;
        }
        out.append("\tchain strays {\n\t\ttype filter hook forward priority filter; policy accept;\n")
                .append("\t\tct state new ip saddr { ").append(String.join(", ", servers))
                .append(" } udp sport 1024-65535 udp dport 1024-65535 counter drop comment \"untranslated TFTP answers\"\n\t}\n");
    }

    private static String helperMatch(VirtualService service) {
        String port = "meta l4proto " + helperProtocol(service.helper()) + " ct original proto-dst " + service.helperPort();
        if (service.key() instanceof ServiceKey.Fwmark fwmark) {
            return "meta mark 0x" + Integer.toHexString(fwmark.mark()) + " " + port;
        }
        return "ct original ip daddr " + ((ServiceKey.Address) service.key()).vip() + " " + port;
    }

    private static String helperProtocol(String helper) {
        return helper.equals("ftp") ? "tcp" : "udp";
    }

    private static String chain(VirtualService service) {
        return "svc_" + id(service);
    }

    private static String id(VirtualService service) {
        return service.name().replaceAll("[^A-Za-z0-9_]", "_");
    }
}
