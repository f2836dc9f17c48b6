package io.lvsha.agent.director;

import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;

/** What identifies a virtual service in the kernel: a firewall mark, or protocol + VIP + port. */
public sealed interface ServiceKey {

    /** The arguments that name this service to ipvsadm, e.g. "-f 1" or "-t 10.0.0.10:80". */
    String ipvsadmArguments();

    /** A firewall-mark service: every packet the marking rules gave {@code mark}. */
    record Fwmark(int mark, AddressFamily family) implements ServiceKey {
        @Override
        public String ipvsadmArguments() {
            return "-f " + mark + (family == AddressFamily.IPV6 ? " -6" : "");
        }

        @Override
        public String toString() {
            return "fwmark " + mark;
        }
    }

    /** A service on one address and port. */
    record Address(Protocol protocol, IpAddress vip, int port) implements ServiceKey {
        @Override
        public String ipvsadmArguments() {
            return protocol.ipvsadmOption() + " " + endpoint(vip, port);
        }

        @Override
        public String toString() {
            return protocol.lowerName() + " " + endpoint(vip, port);
        }
    }

    /** "10.0.0.1:80" or "[2001:db8::1]:80", as ipvsadm reads and writes them. */
    static String endpoint(IpAddress address, int port) {
        return (address.family() == AddressFamily.IPV6 ? "[" + address + "]" : address.toString()) + ":" + port;
    }
}
