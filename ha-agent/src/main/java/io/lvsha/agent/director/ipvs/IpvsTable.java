package io.lvsha.agent.director.ipvs;

import io.lvsha.agent.director.Forwarding;
import io.lvsha.agent.director.Protocol;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.ServiceKey;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The kernel's IPVS table as {@code ipvsadm -Sn} prints it, and the {@code ipvsadm -R} lines that
 * turn it into a desired one. Pure: parsing and diffing only.
 */
final class IpvsTable {

    /** One programmed service: what {@code -A}/{@code -E} set. */
    record Service(String scheduler, long persistenceSeconds, String netmask, Map<String, Destination> destinations) {
    }

    /** One programmed real server: what {@code -a}/{@code -e} set. */
    record Destination(Forwarding forwarding, int weight) {
    }

    private final Map<ServiceKey, Service> services;

    private IpvsTable(Map<ServiceKey, Service> services) {
        this.services = services;
    }

    Map<ServiceKey, Service> services() {
        return services;
    }

    /** @throws IllegalArgumentException on a line this version of ipvsadm output is not understood */
    static IpvsTable parse(String saved) {
        Map<ServiceKey, Service> services = new LinkedHashMap<>();
        for (String line : saved.split("\n")) {
            String[] words = line.trim().split("\\s+");
            if (words.length < 3) {
                continue;
            }
            ServiceKey key = key(words);
            if (words[0].equals("-A")) {
                services.put(key, new Service(option(words, "-s", "wlc"), Long.parseLong(option(words, "-p", "0")),
                        option(words, "-M", null), new LinkedHashMap<>()));
            } else if (words[0].equals("-a")) {
                Service service = services.get(key);
                if (service == null) {
                    throw new IllegalArgumentException("real server before its service: " + line);
                }
                Forwarding forwarding = Forwarding.NAT;
                for (String word : words) {
                    forwarding = Objects.requireNonNullElse(Forwarding.byIpvsadmOption(word), forwarding);
                }
                service.destinations().put(option(words, "-r", null),
                        new Destination(forwarding, Integer.parseInt(option(words, "-w", "1"))));
            }
        }
        return new IpvsTable(services);
    }

    /**
     * The {@code ipvsadm -R} lines that make this table hold {@code desired}; services outside
     * it are removed only if they are in {@code removable}.
     *
     * @param changes receives a line per change, for the operator
     */
    List<String> reconcile(List<VirtualService> desired, Set<ServiceKey> removable, List<String> changes) {
        List<String> lines = new ArrayList<>();
        for (VirtualService wanted : desired) {
            String key = wanted.key().ipvsadmArguments();
            String serviceOptions = serviceOptions(wanted);
            Service present = services.get(wanted.key());
            Map<String, Destination> presentDestinations = present == null ? Map.of() : present.destinations();
            if (present == null) {
                lines.add("-A " + key + serviceOptions);
                changes.add("add service " + wanted.name() + " (" + wanted.key() + ")");
            } else if (!serviceOptions.equals(serviceOptions(present, wanted))) {
                lines.add("-E " + key + serviceOptions);
                changes.add("edit service " + wanted.name() + " (" + wanted.key() + "): " + serviceOptions.trim());
            }
            Set<String> wantedEndpoints = new java.util.HashSet<>();
            for (RealServer server : wanted.realServers()) {
                String endpoint = server.endpoint();
                wantedEndpoints.add(endpoint);
                Destination programmed = presentDestinations.get(endpoint);
                String destinationOptions = " -r " + endpoint + " " + wanted.forwarding().ipvsadmOption() + " -w " + server.weight();
                if (programmed == null) {
                    lines.add("-a " + key + destinationOptions);
                    changes.add("add real server " + endpoint + " to " + wanted.name() + " (weight " + server.weight() + ")");
                } else if (programmed.weight() != server.weight() || programmed.forwarding() != wanted.forwarding()) {
                    lines.add("-e " + key + destinationOptions);
                    changes.add("set real server " + endpoint + " of " + wanted.name() + " to weight " + server.weight()
                            + " (" + wanted.forwarding().lowerName() + ")");
                }
            }
            for (String endpoint : presentDestinations.keySet()) {
                if (!wantedEndpoints.contains(endpoint)) {
                    lines.add("-d " + key + " -r " + endpoint);
                    changes.add("remove real server " + endpoint + " from " + wanted.name());
                }
            }
        }
        Set<ServiceKey> wantedKeys = new java.util.HashSet<>();
        desired.forEach(service -> wantedKeys.add(service.key()));
        for (ServiceKey key : services.keySet()) {
            if (!wantedKeys.contains(key) && removable.contains(key)) {
                lines.add("-D " + key.ipvsadmArguments());
                changes.add("remove service " + key);
            }
        }
        return lines;
    }

    private static String serviceOptions(VirtualService service) {
        StringBuilder options = new StringBuilder(" -s ").append(service.scheduler().ipvsadmName());
        if (service.persistenceSeconds() > 0) {
            options.append(" -p ").append(service.persistenceSeconds());
            String netmask = netmask(service);
            if (netmask != null) {
                options.append(" -M ").append(netmask);
            }
        }
        return options.toString();
    }

    /** The present service's options written as {@link #serviceOptions(VirtualService)} would write them. */
    private static String serviceOptions(Service present, VirtualService wanted) {
        StringBuilder options = new StringBuilder(" -s ").append(present.scheduler());
        if (present.persistenceSeconds() > 0) {
            options.append(" -p ").append(present.persistenceSeconds());
            String fullMask = family(wanted) == AddressFamily.IPV6 ? "128" : "255.255.255.255";
            if (present.netmask() != null && !present.netmask().equals(fullMask)) {
                options.append(" -M ").append(present.netmask());
            }
        }
        return options.toString();
    }

    /** ipvsadm's -M: a dotted mask for IPv4, a prefix length for IPv6; null when every client stands alone. */
    private static String netmask(VirtualService service) {
        int prefix = service.persistencePrefix();
        if (family(service) == AddressFamily.IPV6) {
            return prefix >= 128 ? null : Integer.toString(prefix);
        }
        if (prefix >= 32) {
            return null;
        }
        long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        return (mask >>> 24) + "." + ((mask >>> 16) & 0xff) + "." + ((mask >>> 8) & 0xff) + "." + (mask & 0xff);
    }

    private static AddressFamily family(VirtualService service) {
        return service.key() instanceof ServiceKey.Fwmark fwmark ? fwmark.family()
                : ((ServiceKey.Address) service.key()).vip().family();
    }

    private static ServiceKey key(String[] words) {
        boolean ipv6 = List.of(words).contains("-6");
        for (int i = 1; i + 1 < words.length; i++) {
            switch (words[i]) {
                case "-f":
                    return new ServiceKey.Fwmark(Integer.parseInt(words[i + 1]), ipv6 ? AddressFamily.IPV6 : AddressFamily.IPV4);
                case "-t":
                    return addressKey(Protocol.TCP, words[i + 1]);
                case "-u":
                    return addressKey(Protocol.UDP, words[i + 1]);
                case "--sctp-service":
                    return addressKey(Protocol.SCTP, words[i + 1]);
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("no service in: " + String.join(" ", words));
    }

    private static ServiceKey addressKey(Protocol protocol, String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        String host = endpoint.substring(0, colon).replace("[", "").replace("]", "");
        return new ServiceKey.Address(protocol, IpAddress.parse(host), Integer.parseInt(endpoint.substring(colon + 1)));
    }

    private static String option(String[] words, String name, String absent) {
        for (int i = 0; i + 1 < words.length; i++) {
            if (words[i].equals(name)) {
                return words[i + 1];
            }
        }
        return absent;
    }
}
