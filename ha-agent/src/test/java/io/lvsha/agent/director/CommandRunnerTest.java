package io.lvsha.agent.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommandRunnerTest {

    @Test
    void aMissingDataplaneToolNamesTheDebianPackageThatInstallsIt() {
        BackendException missing = assertThrows(BackendException.class,
                () -> CommandRunner.processes(5_000).run(List.of("/nonexistent/lvsha/nft", "-f", "-"), "flush ruleset\n"));
        assertTrue(missing.getMessage().contains("apt-get install nftables"), missing.getMessage());
        assertEquals("iptables", DebianPackages.of("iptables-legacy-restore"));
    }

    @Test
    void aMissingProgramWeDoNotKnowStillSaysWhatToCheck() {
        BackendException missing = assertThrows(BackendException.class,
                () -> CommandRunner.processes(5_000).run(List.of("/nonexistent/lvsha/tool"), null));
        assertTrue(missing.getMessage().contains("is it installed"), missing.getMessage());
    }
}
