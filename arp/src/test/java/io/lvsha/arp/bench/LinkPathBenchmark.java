package io.lvsha.arp.bench;

import io.lvsha.arp.AddressManager;
import io.lvsha.arp.ArpForm;
import io.lvsha.arp.EthernetFrames;
import io.lvsha.arp.InterfaceAddress;
import io.lvsha.arp.LinkPort;
import io.lvsha.arp.MacAddress;
import io.lvsha.netns.Netns;
import io.lvsha.vrrp.IpAddress;
import java.util.Arrays;

/**
 * Prints min/median/p99/max of the link-layer steps on the takeover path, measured in a network
 * namespace made for the run: adding and removing a VIP over netlink, and sending one frame over
 * pcap. Run with deploy/bench/link-path.sh (root).
 */
public final class LinkPathBenchmark {
    private LinkPathBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        try (Netns left = Netns.create("bench"); Netns right = Netns.create("benchr")) {
            Netns.link(left, "eth0", right, "eth0");
            // As on a director: the interface already has its own address when a VIP is added.
            left.exec("ip", "addr", "add", "10.99.0.11/24", "dev", "eth0");
            AddressManager addresses = left.within(AddressManager::new);
            LinkPort port = left.within(() -> LinkPort.sendOnly("eth0"));
            InterfaceAddress vip = InterfaceAddress.parse("10.99.0.10/24");
            byte[] garp = EthernetFrames.gratuitousArp(MacAddress.parse("02:00:00:00:00:01"),
                    IpAddress.parse("10.99.0.10"), ArpForm.REQUEST);
            long[] add = new long[rounds];
            long[] remove = new long[rounds];
            long[] send = new long[rounds];
            for (int i = 0; i < rounds; i++) {
                long t0 = System.nanoTime();
                addresses.add("eth0", vip);
                long t1 = System.nanoTime();
                addresses.remove("eth0", vip);
                long t2 = System.nanoTime();
                port.send(garp);
                long t3 = System.nanoTime();
                add[i] = t1 - t0;
                remove[i] = t2 - t1;
                send[i] = t3 - t2;
            }
            print("netlink VIP add", add);
            print("netlink VIP remove", remove);
            print("pcap send (GARP)", send);
            port.close();
            addresses.close();
        }
    }

    private static void print(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("%-20s n=%d  first=%7.1f us  min=%6.1f us  median=%6.1f us  p99=%7.1f us  max=%8.1f us%n",
                what, sorted.length, nanos[0] / 1e3, sorted[0] / 1e3, sorted[sorted.length / 2] / 1e3,
                sorted[(int) (sorted.length * 0.99)] / 1e3, sorted[sorted.length - 1] / 1e3);
    }
}
