package io.lvsha.state.replica;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.state.table.ConnectionTable;
import io.lvsha.vrrp.IpAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationTest {
    private static final IpAddress VIP = IpAddress.parse("10.99.0.10");

    private static ConnectionRecord tftp(int i, String real) {
        return new ConnectionRecord(17, IpAddress.of(new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i}),
                1024 + i % 50_000, VIP, 69,
                IpAddress.parse(real), 69, 69, 0x0003, 0, 300, null);
    }

    private static ConnectionTable table(int from, int to, String real) {
        ConnectionTable table = new ConnectionTable();
        for (int i = from; i < to; i++) {
            table.put(tftp(i, real), 0);
        }
        return table;
    }

    @Test
    void anEmptyBackupReceivesTheWholeTableAndIsInSync() {
        ConnectionTable master = table(0, 5000, "192.168.50.21");
        ConnectionTable backup = new ConnectionTable();
        TableReplica replica = new TableReplica(backup);
        List<PeerFrame> answer = new TableSource(master).answer(replica.linkUp());
        assertEquals(TableReplica.Status.CATCHING_UP, replica.status());
        answer.forEach(frame -> replica.onFrame(frame, 100));
        assertEquals(TableReplica.Status.IN_SYNC, replica.status());
        assertEquals(0, replica.behind());
        assertEquals(5000, backup.size());
        assertArrayEquals(master.bucketDigests(64), backup.bucketDigests(64));
        assertTrue(answer.stream().allMatch(f -> f.payload().length < (1 << 20)), "a frame over the link's limit");
    }

    @Test
    void staleAndExtraEntriesAreReplacedAndOnlyDifferingBucketsTravel() {
        ConnectionTable master = table(0, 2000, "192.168.50.21");
        ConnectionTable backup = table(0, 2000, "192.168.50.21");
        backup.put(tftp(7, "192.168.50.22"), 0);      // stale: another real server
        backup.put(tftp(9_000, "192.168.50.21"), 0);  // extra: gone from the master
        ConnectionRecord ended = tftp(11, "192.168.50.21");
        master.remove(17, ended.client(), ended.clientPort(), VIP, 69); // missing: ended on the master
        TableReplica replica = new TableReplica(backup);
        List<PeerFrame> answer = new TableSource(master).answer(replica.linkUp());
        answer.forEach(frame -> replica.onFrame(frame, 0));
        assertArrayEquals(master.bucketDigests(ReplicationFrames.BUCKETS), backup.bucketDigests(ReplicationFrames.BUCKETS));
        assertEquals(master.size(), backup.size());
        // At most three buckets differ (stale 7, extra 9000, ended 11): start, three buckets, done.
        assertTrue(answer.size() <= 2 + 3, "more than the differing buckets were sent: " + answer.size());
    }

    @Test
    void aFullResyncOfAHundredThousandEntriesIsOnePassOnEachSide() {
        ConnectionTable master = table(0, 100_000, "192.168.50.21");
        ConnectionTable backup = new ConnectionTable();
        TableReplica replica = new TableReplica(backup);
        new TableSource(master).answer(replica.linkUp()).forEach(frame -> replica.onFrame(frame, 0));
        assertEquals(100_000, backup.size());
        assertEquals(TableReplica.Status.IN_SYNC, replica.status());
    }

    @Test
    void liveUpdatesReachAnInSyncBackupWithoutAResync() {
        ConnectionTable master = table(0, 100, "192.168.50.21");
        ConnectionTable backup = new ConnectionTable();
        TableReplica replica = new TableReplica(backup);
        new TableSource(master).answer(replica.linkUp()).forEach(frame -> replica.onFrame(frame, 0));
        List<ConnectionRecord> fresh = List.of(tftp(500, "192.168.50.22"), tftp(501, "192.168.50.22"));
        fresh.forEach(connection -> master.put(connection, 5));
        TableSource.update(fresh).forEach(frame -> replica.onFrame(frame, 5));
        assertEquals(102, backup.size());
        assertEquals(TableReplica.Status.IN_SYNC, replica.status());
        assertArrayEquals(master.bucketDigests(64), backup.bucketDigests(64));
    }

    @Test
    void aBackupPartWayThroughKnowsHowFarBehindItIs() {
        ConnectionTable master = table(0, 3000, "192.168.50.21");
        TableReplica replica = new TableReplica(new ConnectionTable());
        List<PeerFrame> answer = new TableSource(master).answer(replica.linkUp());
        for (PeerFrame frame : answer.subList(0, answer.size() / 2)) {
            replica.onFrame(frame, 0);
        }
        assertEquals(TableReplica.Status.CATCHING_UP, replica.status());
        assertTrue(replica.behind() > 0 && replica.behind() < 3000, "behind " + replica.behind());
        replica.linkDown();
        assertEquals(TableReplica.Status.NO_PEER, replica.status());
    }
}
