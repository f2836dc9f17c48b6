package io.lvsha.agent.director;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lvsha.agent.director.dryrun.DryRunBackend;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class DryRunAndHealthStateTest {
    private static RealServer server(String address, int weight) {
        return new RealServer(IpAddress.parse(address), 0, weight, true);
    }

    private static VirtualService service(boolean quiesce, RealServer sorry, RealServer... servers) {
        return new VirtualService("tftp", new ServiceKey.Fwmark(1, AddressFamily.IPV4), List.of(), Scheduler.WRR, 0, 32,
                Forwarding.NAT, quiesce, null, 69, sorry, null, List.of(servers));
    }

    @Test
    void failedServersLeaveOrGoToWeightZeroAndTheSorryServerStandsIn() {
        RealServer a = server("10.0.1.1", 2);
        RealServer b = server("10.0.1.2", 1);
        RealServer sorry = server("10.0.1.99", 1);
        DesiredState configured = new DesiredState(List.of(service(false, sorry, a, b)), false);
        assertEquals(List.of(a), configured.withHealth((s, r) -> r == a).services().get(0).realServers());
        assertEquals(List.of(sorry), configured.withHealth((s, r) -> false).services().get(0).realServers());
        DesiredState quiesced = new DesiredState(List.of(service(true, null, a, b)), false);
        assertEquals(List.of(a, b.withWeight(0)), quiesced.withHealth((s, r) -> r == a).services().get(0).realServers());
    }

    @Test
    void dryRunRecordsOnlyTheDifference() {
        DryRunBackend backend = new DryRunBackend();
        RealServer a = server("10.0.1.1", 2);
        RealServer b = server("10.0.1.2", 1);
        DesiredState state = new DesiredState(List.of(service(false, null, a, b)), false);
        assertEquals(3, backend.apply(state).changes().size());
        assertEquals(List.of(), backend.apply(state).changes(), "re-apply: no change");
        assertEquals(List.of("set real server 10.0.1.2:0 of tftp to weight 4"),
                backend.apply(new DesiredState(List.of(service(false, null, a, b.withWeight(4))), false)).changes());
        assertEquals(List.of("remove real server 10.0.1.2:0 from tftp"),
                backend.apply(new DesiredState(List.of(service(false, null, a)), false)).changes());
        assertEquals(List.of("remove service tftp"), backend.apply(DesiredState.empty()).changes());
    }
}
