package io.lvsha.state.bench;

import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.state.table.ConnectionTable;
import io.lvsha.vrrp.IpAddress;
import java.util.Random;

/**
 * Prints the heap that N IPv4 connections take in a {@link ConnectionTable}, and the time to
 * insert and to look them all up. Run under -Xmx200m by deploy/bench/conn-table.sh: the target is
 * 1 M entries within 200 MB.
 */
public final class ConnectionTableFootprint {
    private ConnectionTableFootprint() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        IpAddress vip = IpAddress.parse("10.99.0.10");
        IpAddress[] reals = {IpAddress.parse("192.168.50.21"), IpAddress.parse("192.168.50.22")};
        Runtime runtime = Runtime.getRuntime();
        System.gc();
        long before = runtime.totalMemory() - runtime.freeMemory();
        ConnectionTable table = new ConnectionTable();
        Random random = new Random(1);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            IpAddress client = IpAddress.of(new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
            table.put(new ConnectionRecord(17, client, 1024 + random.nextInt(60000), vip, 69, reals[i & 1], 69, 5,
                    0x0003, 0, 300, null), 0);
        }
        long inserted = System.nanoTime();
        System.gc();
        long after = runtime.totalMemory() - runtime.freeMemory();
        long found = 0;
        random = new Random(1);
        long lookups = System.nanoTime();
        for (int i = 0; i < n; i++) {
            IpAddress client = IpAddress.of(new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
            found += table.get(17, client, 1024 + random.nextInt(60000), vip, 69) != null ? 1 : 0;
        }
        long done = System.nanoTime();
        System.out.printf("%d IPv4 connections: %.1f MB of heap (%.1f bytes each), max heap %d MB%n", table.size(),
                (after - before) / 1e6, (after - before) / (double) table.size(), runtime.maxMemory() / 1_000_000);
        System.out.printf("insert %.0f ns each, look-up %.0f ns each (%d found)%n", (inserted - start) / (double) n,
                (done - lookups) / (double) n, found);
    }
}
