package io.lvsha.agent.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lvsha.agent.config.ConfigLoader;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.IpAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The replicated entries the TFTP example's director can have, and the forged ones it refuses. */
class ServedConnectionsTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("user.dir")).resolve("../deploy/examples").normalize();
    private static final IpAddress CLIENT = IpAddress.parse("10.99.0.123");
    private static final IpAddress VIP = IpAddress.parse("10.0.0.10");
    private static final IpAddress RS1 = IpAddress.parse("192.168.50.21");

    private static ServedConnections tftpExample() throws Exception {
        return new ServedConnections(ConfigLoader.load(EXAMPLES.resolve("tftp-nat-director1.yaml")).director().desired());
    }

    private static ConnectionRecord entry(IpAddress client, IpAddress vip, IpAddress realServer, int fwmark, int flags,
                                          int timeout) {
        return new ConnectionRecord(17, client, 40000, vip, 56075, realServer, 56075, fwmark, flags, 0, timeout, null);
    }

    @Test
    void aTransferToAConfiguredRealServerBehindTheVipIsAdmitted() throws Exception {
        ServedConnections served = tftpExample();
        assertNull(served.refusal(entry(CLIENT, VIP, RS1, 0, 0, 120)), "as conntrack reports it (no mark)");
        assertNull(served.refusal(entry(CLIENT, VIP, RS1, 1, 0, 120)), "as IPVS syncs it (the service's mark)");
    }

    @Test
    void forgedEntriesAreRefusedByReason() throws Exception {
        ServedConnections served = tftpExample();
        assertEquals("virtual-address", served.refusal(entry(CLIENT, IpAddress.parse("10.0.0.99"), RS1, 0, 0, 120)));
        assertEquals("real-server", served.refusal(entry(CLIENT, VIP, IpAddress.parse("192.168.50.66"), 0, 0, 120)));
        assertEquals("fwmark", served.refusal(entry(CLIENT, VIP, RS1, 7, 0, 120)));
        assertEquals("timeout", served.refusal(entry(CLIENT, VIP, RS1, 0, 0, 0)));
        assertEquals("timeout", served.refusal(entry(CLIENT, VIP, RS1, 0, 0, ServedConnections.MAX_TIMEOUT_SECONDS + 1)));
        for (String client : new String[] {"0.0.0.0", "127.0.0.1", "224.0.0.81", "255.255.255.255"}) {
            assertEquals("client-address", served.refusal(entry(IpAddress.parse(client), VIP, RS1, 0, 0, 120)), client);
        }
    }

    @Test
    void aFirewallMarkTemplateNamesItsMarkAsTheVirtualAddress() throws Exception {
        ServedConnections served = tftpExample();
        IpAddress markOne = IpAddress.parse("0.0.0.1");
        assertNull(served.refusal(entry(CLIENT, markOne, RS1, 1, ConnectionRecord.Flags.TEMPLATE, 600)));
        assertEquals("virtual-address", served.refusal(entry(CLIENT, markOne, RS1, 1, 0, 600)), "only a template does");
        assertEquals("real-server", served.refusal(entry(CLIENT, markOne, IpAddress.parse("192.168.50.66"), 1,
                ConnectionRecord.Flags.TEMPLATE, 600)));
    }
}
