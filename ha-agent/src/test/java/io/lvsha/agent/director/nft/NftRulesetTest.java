package io.lvsha.agent.director.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.config.ConfigLoader;
import io.lvsha.agent.director.DesiredState;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.VirtualService;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The nftables dataplane generated for the shipped TFTP example: marking, balancing, persistence, helper. */
class NftRulesetTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("user.dir")).resolve("../deploy/examples").normalize();

    private static DesiredState tftpExample() throws Exception {
        return ConfigLoader.load(EXAMPLES.resolve("tftp-nat-director1.yaml")).director().desired();
    }

    @Test
    void theTftpExampleBecomesMarkBalanceAndHelper() throws Exception {
        String table = NftRuleset.table(tftpExample().services());
        assertTrue(table.contains("ip daddr 10.0.0.10 udp dport { 69, 1024-65535 } meta mark set 0x1 comment \"tftp\""), table);
        assertTrue(table.contains("meta mark 0x1 jump svc_tftp"), table);
        assertTrue(table.contains("numgen inc mod 2 vmap { 0 : jump svc_tftp_0, 1 : jump svc_tftp_1 }"), table);
        assertTrue(table.contains("dnat to 192.168.50.21\n"), table);
        assertTrue(table.contains("ct helper tftp {\n\t\ttype \"tftp\" protocol udp"), table);
        assertTrue(table.contains("ct state new meta mark 0x1 meta l4proto udp ct original proto-dst 69 ct helper set \"tftp\""), table);
        assertTrue(table.contains("ct state new ip saddr { 192.168.50.21, 192.168.50.22 } udp sport 1024-65535 udp dport"
                + " 1024-65535 counter drop"), table);
        assertEquals(Set.of("marking", "balance", "svc_tftp", "svc_tftp_0", "svc_tftp_1", "helpers", "strays", "postnat"),
                NftRuleset.chains(table));
    }

    @Test
    void weightsBecomeRangesAndAServerAtWeightZeroTakesNothingNew() throws Exception {
        VirtualService tftp = tftpExample().services().get(0);
        List<RealServer> servers = tftp.realServers();
        VirtualService weighted = new VirtualService("w", tftp.key(), tftp.marks(), io.lvsha.agent.director.Scheduler.WRR, 600, 24,
                tftp.forwarding(), true, null, 69, null, null,
                List.of(servers.get(0).withWeight(3), servers.get(1).withWeight(0)));
        String table = NftRuleset.table(List.of(weighted));
        assertTrue(table.contains("numgen inc mod 3 vmap { 0-2 : jump svc_w_0 }"), table);
        assertTrue(table.contains("dnat to ip saddr & 255.255.255.0 map @persist_w"), table);
        assertTrue(table.contains("update @persist_w { ip saddr & 255.255.255.0 : 192.168.50.21 }"), table);
        assertTrue(!table.contains("svc_w_1"), "no chain for the quiesced server: " + table);
    }
}
