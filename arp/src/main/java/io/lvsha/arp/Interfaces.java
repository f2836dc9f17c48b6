package io.lvsha.arp;

import io.lvsha.vrrp.IpAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

/**
 * Facts about an interface from sysfs and procfs, as the kernel shows them to this process's
 * network namespace ({@code ip netns exec} mounts a matching /sys).
 */
public final class Interfaces {
    private static final Path SYS_CLASS_NET = Path.of("/sys/class/net");
    private static final Path IF_INET6 = Path.of("/proc/net/if_inet6");

    private Interfaces() {
    }

    public static boolean exists(String name) {
        return Files.isDirectory(SYS_CLASS_NET.resolve(name));
    }

    /** The interface's index, as sysfs shows it for this process's namespace. */
    public static int index(String name) throws IOException {
        try {
            return Integer.parseInt(read(name, "ifindex"));
        } catch (NumberFormatException e) {
            throw new IOException("no index for interface " + name, e);
        }
    }

    public static MacAddress macAddress(String name) throws IOException {
        return MacAddress.parse(read(name, "address"));
    }

    /**
     * Whether the link can carry traffic: administratively up and with carrier. Virtual links
     * without carrier reporting show operstate "unknown" and count as up when their flags say so.
     */
    public static boolean isUp(String name) {
        try {
            String operstate = read(name, "operstate");
            if (operstate.equals("up")) {
                return true;
            }
            int flags = Integer.decode(read(name, "flags"));
            return operstate.equals("unknown") && (flags & 0x1) != 0 && read(name, "carrier").equals("1");
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** The interface's IPv6 link-local address (the source of VRRPv3/IPv6 adverts), or null. */
    public static IpAddress linkLocalAddress(String name) throws IOException {
        if (!Files.exists(IF_INET6)) {
            return null;
        }
        List<String> lines = Files.readAllLines(IF_INET6);
        for (String line : lines) {
            String[] fields = line.trim().split("\\s+");
            // address, ifindex, prefix length, scope (0x20 = link), flags, name
            if (fields.length == 6 && fields[5].equals(name) && fields[3].equals("20")) {
                return IpAddress.of(HexFormat.of().parseHex(fields[0]));
            }
        }
        return null;
    }

    private static String read(String name, String attribute) throws IOException {
        return Files.readString(SYS_CLASS_NET.resolve(name).resolve(attribute)).trim();
    }
}
