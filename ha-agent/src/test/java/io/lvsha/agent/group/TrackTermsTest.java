package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.config.AgentConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tracked terms' arithmetic, rise and fall, as results arrive: no processes, no root. */
class TrackTermsTest {
    private static final long SECOND = 1_000_000_000L;

    private static TrackTerms terms(List<AgentConfig.TrackScript> scripts, List<AgentConfig.TrackFile> files,
                                    List<AgentConfig.TrackService> services) {
        return new TrackTerms(new AgentConfig.Tracking(List.of(), scripts, files, services),
                new LinkTracker(List.of(), List.of(), iface -> true));
    }

    @Test
    void aScriptFailsAfterFallFailuresInARowAndRecoversAfterRiseSuccesses() {
        TrackTerms terms = terms(List.of(new AgentConfig.TrackScript(List.of("/bin/true"), SECOND, SECOND, -50, 2, 3)),
                List.of(), List.of());
        assertEquals(0, terms.adjustment(), "not run yet: nothing applied");
        assertTrue(terms.scriptResult(0, true, "exit 0"), "the first result counts at once");
        assertFalse(terms.scriptResult(0, false, "exit 1"));
        assertFalse(terms.scriptResult(0, false, "exit 1"));
        assertFalse(terms.scriptResult(0, true, "exit 0"), "a success breaks the run of failures");
        assertFalse(terms.scriptResult(0, false, "exit 1"));
        assertFalse(terms.scriptResult(0, false, "exit 1"));
        assertEquals(0, terms.adjustment());
        assertTrue(terms.scriptResult(0, false, "exit 1"), "the third failure in a row");
        assertEquals(-50, terms.adjustment());
        assertFalse(terms.scriptResult(0, true, "exit 0"));
        assertTrue(terms.scriptResult(0, true, "exit 0"), "the second success in a row");
        assertEquals(0, terms.adjustment());
    }

    @Test
    void aPositiveWeightIsAddedWhileTheScriptSucceeds() {
        TrackTerms terms = terms(List.of(new AgentConfig.TrackScript(List.of("/bin/true"), SECOND, SECOND, 20, 1, 1)),
                List.of(), List.of());
        terms.scriptResult(0, true, "exit 0");
        assertEquals(20, terms.adjustment());
        terms.scriptResult(0, false, "exit 1");
        assertEquals(0, terms.adjustment());
    }

    @Test
    void filesAddTheirValueTimesTheWeightAndNothingWhileUnreadable() {
        TrackTerms terms = terms(List.of(), List.of(new AgentConfig.TrackFile(Path.of("/run/w"), 2)), List.of());
        assertTrue(terms.fileValue(0, -30, null));
        assertEquals(-60, terms.adjustment());
        assertFalse(terms.fileValue(0, -30, null), "the same value again changes nothing");
        assertTrue(terms.fileValue(0, 1000, null));
        assertEquals(254, terms.adjustment(), "bounded to a priority's range");
        assertTrue(terms.fileValue(0, null, "not an integer: x"));
        assertEquals(0, terms.adjustment());
        Map<String, Object> status = terms.status().get(0);
        assertEquals("unreadable", status.get("state"));
        assertEquals("not an integer: x", status.get("detail"));
    }

    @Test
    void aServiceWithoutRealServersAppliesItsWeightUntilItHasOneAgain() {
        TrackTerms terms = terms(List.of(), List.of(), List.of(new AgentConfig.TrackService("tftp", -100),
                new AgentConfig.TrackService("http", -10)));
        assertFalse(terms.serviceHealth("ftp", true), "an untracked service");
        assertTrue(terms.serviceHealth("tftp", true));
        assertTrue(terms.serviceHealth("http", true));
        assertEquals(-110, terms.adjustment());
        assertTrue(terms.serviceHealth("tftp", false));
        assertEquals(-10, terms.adjustment());
        assertEquals(List.of("service tftp", "service http"), terms.status().stream().map(t -> t.get("track")).toList());
    }
}
