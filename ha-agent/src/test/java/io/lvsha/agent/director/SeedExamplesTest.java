package io.lvsha.agent.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.config.ConfigLoader;
import io.lvsha.agent.director.ipvs.IpvsBackend;
import io.lvsha.agent.director.nft.NftablesBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The seed's three farms (TFTP fwmark cluster, FTP control plus passive range, HTTP+HTTPS bundle)
 * from the shipped example, through each backend against a stand-in for the kernel's tools that
 * keeps what it is given: what is programmed reads back as the desired state.
 */
class SeedExamplesTest {
    private static final Path EXAMPLE = Path.of(System.getProperty("user.dir")).resolve("../deploy/examples/director1.yaml")
            .normalize();

    /** ipvsadm -Sn answers with what ipvsadm -R was given (the save format is the restore format). */
    private static final class FakeIpvsadm implements CommandRunner {
        final List<String> table = new ArrayList<>();
        final List<String> marks = new ArrayList<>();

        @Override
        public Result run(List<String> command, String input) {
            if (command.equals(List.of("ipvsadm", "-Sn"))) {
                return new Result(0, String.join("\n", table));
            }
            if (command.equals(List.of("ipvsadm", "-R"))) {
                for (String line : input.strip().split("\n")) {
                    String[] words = line.split(" ");
                    String key = words[1] + " " + words[2];
                    String real = line.contains(" -r ") ? line.substring(line.indexOf(" -r ") + 4).split(" ")[0] : null;
                    switch (words[0]) {
                        case "-A" -> table.add(line);
                        case "-a" -> table.add(line);
                        case "-e" -> table.replaceAll(old -> old.startsWith("-a " + key) && old.contains(" -r " + real + " ")
                                ? "-a" + line.substring(2) : old);
                        case "-d" -> table.removeIf(old -> old.startsWith("-a " + key) && old.contains(" -r " + real + " "));
                        default -> throw new IllegalArgumentException(line);
                    }
                }
                return new Result(0, "");
            }
            if (command.get(0).equals("nft")) {
                marks.add(input);
            }
            return new Result(0, "");
        }
    }

    @Test
    void ipvsProgramsTheThreeFarmsAndReadsThemBack() throws Exception {
        DesiredState desired = ConfigLoader.load(EXAMPLE).director().desired();
        FakeIpvsadm kernel = new FakeIpvsadm();
        IpvsBackend backend = new IpvsBackend(new BackendContext(kernel, null, "nftables"));
        ApplyReport first = backend.apply(desired);
        assertEquals(List.of(
                "-A -f 1 -s wlc -p 300", "-a -f 1 -r 192.168.50.21:0 -g -w 1", "-a -f 1 -r 192.168.50.22:0 -g -w 1",
                "-A -f 2 -s wlc -p 900", "-a -f 2 -r 192.168.50.21:0 -m -w 1", "-a -f 2 -r 192.168.50.22:0 -m -w 1",
                "-A -f 3 -s wrr -p 600", "-a -f 3 -r 192.168.50.21:0 -m -w 3", "-a -f 3 -r 192.168.50.22:0 -m -w 1"),
                kernel.table);
        String marks = kernel.marks.get(0);
        assertTrue(marks.contains("ip daddr 10.0.0.10 udp dport { 69, 1024-65535 } meta mark set 0x1"), marks);
        assertTrue(marks.contains("ip daddr 10.0.0.10 tcp dport { 21, 10000-10999 } meta mark set 0x2"), marks);
        assertTrue(marks.contains("ip daddr 10.0.0.10 tcp dport { 80, 443 } meta mark set 0x3"), marks);
        assertEquals(10, first.changes().size());
        ApplyReport again = backend.apply(desired);
        assertEquals(List.of(), again.changes(), "what was programmed reads back as the desired state");

        // The FTP farm's first server fails its check: quiesced to weight 0 (it keeps its sessions).
        DesiredState failed = desired.withHealth((service, server) -> !(service.name().equals("ftp")
                && server.address().toString().equals("192.168.50.21")));
        assertEquals(List.of("set real server 192.168.50.21:0 of ftp to weight 0 (nat)"), backend.apply(failed).changes());
        assertTrue(kernel.table.contains("-a -f 2 -r 192.168.50.21:0 -m -w 0"), kernel.table.toString());
    }

    @Test
    void nftablesCarriesTheFtpHelperAndBundlesThePorts() {
        VirtualService ftp = new VirtualService("ftp", new ServiceKey.Fwmark(2, io.lvsha.vrrp.AddressFamily.IPV4),
                List.of(new MarkRule(io.lvsha.vrrp.IpAddress.parse("10.0.0.10"), Protocol.TCP,
                        List.of(new PortRange(21, 21), new PortRange(10000, 10999)))), Scheduler.SH, 900, 32, Forwarding.NAT,
                true, "ftp", 21, null, null, List.of(new RealServer(io.lvsha.vrrp.IpAddress.parse("192.168.50.21"), 0, 1, true)));
        String script = new NftablesBackend(new BackendContext((command, input) -> new CommandRunner.Result(0, ""), null,
                "nftables")).render(new DesiredState(List.of(ftp), false));
        assertTrue(script.contains("ct helper ftp {\n\t\ttype \"ftp\" protocol tcp"), script);
        assertTrue(script.contains("ip daddr 10.0.0.10 tcp dport { 21, 10000-10999 } meta mark set 0x2"), script);
        assertTrue(script.contains("jhash ip saddr mod 1 seed"), script);
        assertTrue(script.contains("meta l4proto tcp ct original proto-dst 21 ct helper set \"ftp\""), script);
    }
}
