package io.lvsha.state.sync;

import io.lvsha.vrrp.IpAddress;
import java.util.Arrays;

/**
 * One IPVS connection (or persistence template) as the kernel's sync protocol v1 carries it
 * ({@code struct ip_vs_sync_v4/v6} in net/netfilter/ipvs/ip_vs_sync.c, see
 * ../shared/reference/ipvs-sync.md §2.1).
 *
 * @param protocol IP protocol (6 TCP, 17 UDP, 132 SCTP, ...)
 * @param client client address ({@code caddr})
 * @param clientPort {@code cport}; 0 in templates
 * @param virtualAddress {@code vaddr}: the VIP
 * @param virtualPort {@code vport}
 * @param realServer {@code daddr}: the real server
 * @param realPort {@code dport}
 * @param fwmark firewall mark of the service, 0 for address:port services (unsigned 32 bits)
 * @param flags {@code IP_VS_CONN_F_*}, see {@link Flags}
 * @param state TCP/SCTP state, 0 for UDP; for templates 0 NONE / 1 ASSURED
 * @param timeoutSeconds the state's full timeout, not the time left (unsigned 32 bits)
 * @param options sequence data and persistence-engine data, or {@link Options#NONE}
 */
public record ConnectionRecord(int protocol, IpAddress client, int clientPort, IpAddress virtualAddress,
                               int virtualPort, IpAddress realServer, int realPort, int fwmark, int flags,
                               int state, int timeoutSeconds, Options options) {

    /** IP_VS_CONN_F_* bits that matter to the sync protocol (uapi linux/ip_vs.h). */
    public static final class Flags {
        public static final int FWD_MASK = 0x0007;
        public static final int MASQ = 0x0000;
        public static final int DROUTE = 0x0003;
        public static final int TUNNEL = 0x0002;
        public static final int SYNC = 0x0020;
        public static final int HASHED = 0x0040;
        public static final int INACTIVE = 0x0100;
        public static final int OUT_SEQ = 0x0200;
        public static final int IN_SEQ = 0x0400;
        public static final int SEQ_MASK = 0x0600;
        public static final int NO_CPORT = 0x0800;
        public static final int TEMPLATE = 0x1000;
        public static final int ONE_PACKET = 0x2000;

        private Flags() {
        }
    }

    /** One direction's TCP sequence rewriting ({@code struct ip_vs_seq}). */
    public record Seq(int initSeq, int delta, int previousDelta) {
    }

    /**
     * The optional parameters of a v1 entry.
     *
     * @param in inbound sequence data, or null (present only with {@link Flags#SEQ_MASK} flags)
     * @param out outbound sequence data, or null
     * @param peData persistence-engine data (e.g. a SIP Call-ID), or null; at most 255 bytes
     * @param peName persistence-engine name (e.g. "sip"), or null; at most 16 bytes
     */
    public record Options(Seq in, Seq out, byte[] peData, String peName) {
        public static final Options NONE = new Options(null, null, null, null);

        public Options {
            if ((in == null) != (out == null)) {
                throw new IllegalArgumentException("sequence data comes for both directions or neither");
            }
            peData = peData == null ? null : peData.clone();
        }

        public boolean hasSeq() {
            return in != null;
        }

        @Override
        public byte[] peData() {
            return peData == null ? null : peData.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Options other && java.util.Objects.equals(in, other.in)
                    && java.util.Objects.equals(out, other.out) && Arrays.equals(peData, other.peData)
                    && java.util.Objects.equals(peName, other.peName);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(in, out, peName) * 31 + Arrays.hashCode(peData);
        }
    }

    public ConnectionRecord {
        if (client.family() != virtualAddress.family() || client.family() != realServer.family()) {
            throw new IllegalArgumentException("a connection's addresses are of one family");
        }
        options = options == null ? Options.NONE : options;
    }

    /** What the kernel knows a connection by: one key, one connection, whatever its real server or state. */
    public record Key(int protocol, IpAddress client, int clientPort, IpAddress virtualAddress, int virtualPort) {
    }

    public Key key() {
        return new Key(protocol, client, clientPort, virtualAddress, virtualPort);
    }

    public boolean isTemplate() {
        return (flags & Flags.TEMPLATE) != 0;
    }

    public boolean isIpv6() {
        return client.family() == io.lvsha.vrrp.AddressFamily.IPV6;
    }

    /** The fwmark as the unsigned number the kernel means. */
    public long fwmarkUnsigned() {
        return Integer.toUnsignedLong(fwmark);
    }

    public long timeoutSecondsUnsigned() {
        return Integer.toUnsignedLong(timeoutSeconds);
    }
}
