package io.lvsha.state.replica;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    void theRepairCycleBringsWhatWasLostAndIsSilentWhenNothingWas() {
        ConnectionTable master = table(0, 10_000, "192.168.50.21");
        ConnectionTable backup = new ConnectionTable();
        TableReplica replica = new TableReplica(backup);
        TableSource source = new TableSource(master);
        source.answer(replica.linkUp()).forEach(frame -> replica.onFrame(frame, 0));
        // Live updates lost on the way: a tenth of 10 000 new connections never arrive.
        for (int i = 10_000; i < 20_000; i++) {
            master.put(tftp(i, "192.168.50.21"), 0);
            if (i % 10 != 0) {
                TableSource.update(List.of(tftp(i, "192.168.50.21")), 0).forEach(frame -> replica.onFrame(frame, 0));
            }
        }
        assertEquals(19_000, backup.size());
        List<PeerFrame> repair = source.answer(replica.verify());
        assertEquals(TableReplica.Status.IN_SYNC, replica.status(), "a check is not a resync until something is found");
        repair.forEach(frame -> replica.onFrame(frame, 0));
        assertEquals(20_000, backup.size(), "after the repair cycle the backup holds all of them");
        assertTrue(replica.repaired() > 0);
        long repairedBefore = replica.repaired();
        List<PeerFrame> nothing = source.answer(replica.verify());
        nothing.forEach(frame -> replica.onFrame(frame, 0));
        assertEquals(TableReplica.Status.IN_SYNC, replica.status());
        assertEquals(repairedBefore, replica.repaired(), "nothing to repair: nothing counted");
    }

    @Test
    void aFlowThatEndedAtTheMasterLeavesTheReplicaAtOnceNotAtItsTimeout() {
        ConnectionTable backup = new ConnectionTable();
        TableReplica replica = new TableReplica(backup);
        TableSource.update(List.of(tftp(1, "192.168.50.21"), tftp(2, "192.168.50.22")), 0).forEach(frame -> replica.onFrame(frame, 0));
        assertEquals(2, backup.size());
        TableSource.removal(List.of(tftp(1, "192.168.50.21"))).forEach(frame -> replica.onFrame(frame, 0));
        assertEquals(1, backup.size());
        ConnectionRecord ended = tftp(1, "192.168.50.21");
        assertEquals(null, backup.get(17, ended.client(), ended.clientPort(), ended.virtualAddress(), ended.virtualPort()));
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

    /** Found by the agent-level test: XOR digests of buckets holding one client on two ports came out zero. */
    @Test
    void structuredKeysNeverCancelOutInTheDigests() {
        ConnectionTable master = new ConnectionTable();
        for (int i = 0; i < 100_000; i++) {
            master.put(new ConnectionRecord(17, IpAddress.of(new byte[] {10, 100, (byte) (i >>> 8), (byte) i}), 1024 + (i >>> 16),
                    VIP, 69, IpAddress.parse("192.168.50.21"), 69, 1, 0, 0, 600, null), 1000);
        }
        ConnectionTable backup = new ConnectionTable();
        TableReplica replica = new TableReplica(backup);
        new TableSource(master).answer(replica.linkUp()).forEach(frame -> replica.onFrame(frame, 5));
        assertEquals(100_000, backup.size());
        assertTrue(java.util.Arrays.stream(master.bucketDigests(ReplicationFrames.BUCKETS)).noneMatch(d -> d == 0));
    }

    @Test
    void anUpdateCarriesItsKernelEventStampToTheReplica() {
        long stamp = 1_796_000_000_123_456_789L;
        List<PeerFrame> update = TableSource.update(List.of(tftp(7, "192.168.50.21")), stamp);
        assertEquals(List.of(stamp), update.stream().map(ReplicationFrames::eventRealtimeNanos).toList());
        ConnectionTable backup = new ConnectionTable();
        TableReplica replica = new TableReplica(backup);
        update.forEach(frame -> replica.onFrame(frame, 0));
        assertEquals(1, backup.size(), "the stamp is not read as part of the connections");
        assertEquals(0, ReplicationFrames.eventRealtimeNanos(TableSource.removal(List.of(tftp(7, "192.168.50.21"))).get(0)));
        assertThrows(IllegalArgumentException.class,
                () -> replica.onFrame(new PeerFrame(ReplicationFrames.UPDATE, new byte[] {0, 0, 1}), 0));
    }

    @Test
    void liveUpdatesReachAnInSyncBackupWithoutAResync() {
        ConnectionTable master = table(0, 100, "192.168.50.21");
        ConnectionTable backup = new ConnectionTable();
        TableReplica replica = new TableReplica(backup);
        new TableSource(master).answer(replica.linkUp()).forEach(frame -> replica.onFrame(frame, 0));
        List<ConnectionRecord> fresh = List.of(tftp(500, "192.168.50.22"), tftp(501, "192.168.50.22"));
        fresh.forEach(connection -> master.put(connection, 5));
        TableSource.update(fresh, 0).forEach(frame -> replica.onFrame(frame, 5));
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
