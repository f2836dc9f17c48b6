package io.lvsha.agent.director.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.director.Forwarding;
import io.lvsha.agent.director.ServiceKey;
import io.lvsha.agent.director.Scheduler;
import io.lvsha.agent.director.Protocol;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.IpAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpvsTableDiffTest {
    private static final String HEADER = "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n";
    private static final String UDP = "UDP 0A610064 9C41 0A61000A 0045 0A610015 0045 UDP         %d\n";
    private static final String TCP = "TCP 0A6100C9 9C43 0A61000A 0050 0A610015 1F90 %-11s %d\n";
    private static final List<VirtualService> SERVICES = List.of(new VirtualService("web",
            new ServiceKey.Address(Protocol.TCP, IpAddress.parse("10.97.0.10"), 80), List.of(), Scheduler.WLC, 0, 32,
            Forwarding.NAT, false, null, 69, null, null, List.of()));

    private final IpvsTableDiff diff = new IpvsTableDiff();

    @Test
    void aConnectionIsLearnedOnceHoweverItsCountdownMoves() {
        IpvsTableDiff.Changes first = diff.next(HEADER + UDP.formatted(298), SERVICES);
        assertEquals(1, first.learned().size());
        assertEquals(298, first.learned().get(0).timeoutSeconds());
        IpvsTableDiff.Changes second = diff.next(HEADER + UDP.formatted(297), SERVICES);
        assertTrue(second.learned().isEmpty(), "a countdown is not news: " + second);
        assertTrue(second.ended().isEmpty());
    }

    @Test
    void aNewStateIsLearnedAndNotReportedEnded() {
        diff.next(HEADER + TCP.formatted("SYN_RECV", 59), SERVICES);
        IpvsTableDiff.Changes established = diff.next(HEADER + TCP.formatted("ESTABLISHED", 899), SERVICES);
        assertEquals(1, established.learned().size());
        assertEquals(1, established.learned().get(0).state(), "ESTABLISHED");
        assertTrue(established.ended().isEmpty(), "the same connection in a new state has not ended: " + established);
    }

    @Test
    void aConnectionGoneFromTheTableHasEnded() {
        diff.next(HEADER + UDP.formatted(3) + TCP.formatted("ESTABLISHED", 899), SERVICES);
        IpvsTableDiff.Changes changes = diff.next(HEADER + TCP.formatted("ESTABLISHED", 898), SERVICES);
        assertTrue(changes.learned().isEmpty());
        assertEquals(1, changes.ended().size());
        ConnectionRecord ended = changes.ended().get(0);
        assertEquals(17, ended.protocol());
        assertEquals(40001, ended.clientPort());
    }

    @Test
    void afterAResetTheWholeTableIsNewsAgainAndGarbageIsSkipped() {
        String table = HEADER + UDP.formatted(298) + "XYZ garbage\nUDP short line\n" + TCP.formatted("ESTABLISHED", 899);
        assertEquals(2, diff.next(table, SERVICES).learned().size());
        assertEquals(0, diff.next(table, SERVICES).learned().size());
        diff.reset();
        assertEquals(2, diff.next(table, SERVICES).learned().size());
    }

    @Test
    void theInterval() {
        assertEquals(IpvsConnectionPoller.MIN_INTERVAL_NANOS, IpvsConnectionPoller.interval(10_000));
        assertEquals(3_000_000L * IpvsConnectionPoller.COST_SHARE, IpvsConnectionPoller.interval(3_000_000));
        assertEquals(IpvsConnectionPoller.MAX_INTERVAL_NANOS, IpvsConnectionPoller.interval(1_000_000_000));
    }
}
