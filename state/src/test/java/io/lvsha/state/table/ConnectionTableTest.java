package io.lvsha.state.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.IpAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ConnectionTableTest {
    private static final IpAddress VIP = IpAddress.parse("10.99.0.10");
    private static final IpAddress REAL = IpAddress.parse("192.168.50.21");

    private static ConnectionRecord udp(IpAddress client, int port, int timeout) {
        return new ConnectionRecord(17, client, port, VIP, 69, REAL, 69, 5, 0x0003, 0, timeout, null);
    }

    private static ConnectionRecord template(IpAddress client, int timeout) {
        return new ConnectionRecord(17, client, 0, VIP, 0, REAL, 0, 5, 0x1003, 1, timeout, null);
    }

    @Test
    void connectionsAndTheirTemplatesAreKeptApartAndReadBackWhole() {
        ConnectionTable table = new ConnectionTable();
        IpAddress client = IpAddress.parse("203.0.113.7");
        table.put(udp(client, 40000, 300), 100);
        table.put(template(client, 360), 100);
        assertEquals(2, table.size());
        assertEquals(udp(client, 40000, 300), table.get(17, client, 40000, VIP, 69));
        assertEquals(template(client, 360), table.get(17, client, 0, VIP, 0));
        assertNull(table.get(6, client, 40000, VIP, 69));
    }

    @Test
    void aCopyIsTheSameTableAndStaysItselfWhenTheOriginalChanges() {
        ConnectionTable table = new ConnectionTable();
        for (int i = 0; i < 5000; i++) {
            table.put(udp(IpAddress.of(new byte[] {10, 1, (byte) (i >>> 8), (byte) i}), 40000, 300), 100);
        }
        ConnectionTable copy = table.copy();
        org.junit.jupiter.api.Assertions.assertArrayEquals(table.bucketDigests(64), copy.bucketDigests(64));
        IpAddress gone = IpAddress.of(new byte[] {10, 1, 0, 7});
        table.remove(17, gone, 40000, VIP, 69);
        table.put(udp(IpAddress.parse("10.2.0.1"), 40000, 300), 100);
        assertEquals(5000, copy.size());
        assertEquals(udp(gone, 40000, 300), copy.get(17, gone, 40000, VIP, 69));
        assertNull(copy.get(17, IpAddress.parse("10.2.0.1"), 40000, VIP, 69));
    }

    @Test
    void anUpdateReplacesTheEntryAndRestartsItsTimeout() {
        ConnectionTable table = new ConnectionTable();
        IpAddress client = IpAddress.parse("203.0.113.7");
        table.put(udp(client, 40000, 10), 0);
        ConnectionRecord moved = new ConnectionRecord(17, client, 40000, VIP, 69, IpAddress.parse("192.168.50.22"), 69,
                5, 0x0003, 0, 10, null);
        table.put(moved, 8);
        assertEquals(1, table.size());
        assertEquals(moved, table.get(17, client, 40000, VIP, 69));
        assertEquals(0, table.expire(17, Integer.MAX_VALUE));
        assertEquals(1, table.expire(18, Integer.MAX_VALUE));
    }

    @Test
    void eachEntryExpiresByItsOwnTimeout() {
        ConnectionTable table = new ConnectionTable();
        for (int i = 0; i < 100; i++) {
            table.put(udp(IpAddress.parse("203.0.113." + i), 1000 + i, 10 + i), 0);
        }
        assertEquals(0, table.expire(9, 10_000));
        assertEquals(1, table.expire(10, 10_000));
        assertEquals(50, table.expire(60, 10_000));
        assertEquals(49, table.size());
        assertNull(table.get(17, IpAddress.parse("203.0.113.0"), 1000, VIP, 69));
        assertTrue(table.get(17, IpAddress.parse("203.0.113.99"), 1099, VIP, 69) != null);
    }

    @Test
    void optionalDataAndIpv6EntriesSurvive() {
        ConnectionTable table = new ConnectionTable();
        IpAddress client = IpAddress.parse("203.0.113.7");
        ConnectionRecord sip = new ConnectionRecord(17, client, 5060, VIP, 5060, REAL, 5060, 0, 0, 0, 300,
                new ConnectionRecord.Options(null, null, new byte[] {1, 2, 3}, "sip"));
        ConnectionRecord v6 = new ConnectionRecord(6, IpAddress.parse("2001:db8::7"), 40000, IpAddress.parse("2001:db8::10"),
                80, IpAddress.parse("fd00::21"), 80, 0, 3, 1, 900, null);
        table.put(sip, 0);
        table.put(v6, 0);
        assertEquals(sip, table.get(17, client, 5060, VIP, 5060));
        assertEquals(v6, table.get(6, IpAddress.parse("2001:db8::7"), 40000, IpAddress.parse("2001:db8::10"), 80));
        assertTrue(table.remove(6, IpAddress.parse("2001:db8::7"), 40000, IpAddress.parse("2001:db8::10"), 80));
        assertEquals(1, table.size());
    }

    @Test
    void randomOperationsAgreeWithAPlainMap() {
        Random random = new Random(42);
        ConnectionTable table = new ConnectionTable();
        Map<String, ConnectionRecord> model = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            IpAddress client = IpAddress.of(new byte[] {10, 1, (byte) random.nextInt(8), (byte) random.nextInt(256)});
            int port = 1024 + random.nextInt(64);
            String key = client + ":" + port;
            if (random.nextInt(3) == 0) {
                assertEquals(model.remove(key) != null, table.remove(17, client, port, VIP, 69), key);
            } else {
                ConnectionRecord record = udp(client, port, random.nextInt(1000));
                table.put(record, 0);
                model.put(key, record);
            }
        }
        assertEquals(model.size(), table.size());
        for (ConnectionRecord expected : model.values()) {
            assertEquals(expected, table.get(17, expected.client(), expected.clientPort(), VIP, 69));
        }
        int[] visited = {0};
        table.forEach(record -> visited[0]++);
        assertEquals(model.size(), visited[0]);
    }

    @Test
    void digestsTellWhichBucketDiffers() {
        ConnectionTable a = new ConnectionTable();
        ConnectionTable b = new ConnectionTable();
        for (int i = 0; i < 1000; i++) {
            ConnectionRecord record = udp(IpAddress.parse("203.0.113." + (i % 250)), 2000 + i, 300);
            a.put(record, 0);
            b.put(record, 50);
        }
        assertArrayEquals(a.bucketDigests(64), b.bucketDigests(64));
        b.put(udp(IpAddress.parse("198.51.100.1"), 9, 300), 0);
        long[] da = a.bucketDigests(64);
        long[] db = b.bucketDigests(64);
        int differing = 0;
        for (int i = 0; i < 64; i++) {
            differing += da[i] != db[i] ? 1 : 0;
        }
        assertEquals(1, differing);
    }
}
