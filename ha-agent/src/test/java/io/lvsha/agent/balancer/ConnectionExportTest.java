package io.lvsha.agent.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lvsha.agent.director.ConnectionState;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.IpAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The events and the poll together send each flow once, and again only when it changed. */
class ConnectionExportTest {
    private static final ConnectionRecord FLOW = record(40000, "192.168.50.21");
    private List<ConnectionRecord> table = List.of();
    private final List<List<ConnectionRecord>> sent = new ArrayList<>();
    private final List<List<ConnectionRecord>> ended = new ArrayList<>();
    private final ConnectionExport export = new ConnectionExport(new ConnectionState() {
        @Override
        public List<ConnectionRecord> export() {
            return table;
        }

        @Override
        public int commit(List<ConnectionRecord> connections) {
            return 0;
        }
    }, (connections, stamp) -> sent.add(connections), ended::add);

    private static ConnectionRecord record(int clientPort, String realServer) {
        return new ConnectionRecord(17, IpAddress.parse("10.99.0.100"), clientPort, IpAddress.parse("10.99.0.10"), 69,
                IpAddress.parse(realServer), 69, 0, 0, 0, 30, null);
    }

    @Test
    void aFlowAnEventBroughtIsNotSentAgainByThePollUnlessItChanged() throws Exception {
        export.learned(List.of(FLOW), 0);
        assertEquals(List.of(List.of(FLOW)), sent);
        table = List.of(FLOW);
        export.run();
        assertEquals(1, sent.size(), "the poll found nothing new");

        ConnectionRecord moved = record(40000, "192.168.50.22");
        table = List.of(moved);
        export.run();
        assertEquals(List.of(moved), sent.get(1), "the poll repairs what no event told");
    }

    @Test
    void aFlowThatEndedIsPassedOnAndAPollFindingItAgainSendsItAgain() throws Exception {
        export.learned(List.of(FLOW), 0);
        export.ended(List.of(FLOW));
        assertEquals(List.of(List.of(FLOW)), ended);
        table = List.of(FLOW);
        export.run();
        assertEquals(2, sent.size(), "forgotten when it ended, so a table that still has it sends it");
    }
}
