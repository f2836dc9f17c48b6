package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a reload refuses, named as the operator wrote it: one group's fields, or each of several by its name. */
class ReloadCheckTest {
    private static final String ONE = """
            node: d1
            group: {vrid: 7, priority: 150, channels: [{interface: eth0}]}
            vips: [{address: 10.0.0.10/24, interface: eth0}]
            """;
    private static final String SEVERAL = """
            node: d1
            groups:
              - {name: a, vrid: 7, priority: 150, channels: [{interface: eth0}], vips: [{address: 10.0.0.10/24, interface: eth0}]}
              - {name: b, vrid: 8, priority: 100, channels: [{interface: eth0}], vips: [{address: 10.0.0.20/24, interface: eth0}]}
            """;

    @TempDir
    Path dir;
    private int files;

    private AgentConfig load(String yaml) throws Exception {
        Path file = dir.resolve("node" + files++ + ".yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file);
    }

    private List<String> refused(String running, String fresh) throws Exception {
        return ReloadCheck.fieldsNeedingRestart(load(running), load(fresh));
    }

    @Test
    void oneGroupIsComparedWithTheOtherFilesOneWhateverItsName() throws Exception {
        assertEquals(List.of(), refused(ONE, ONE.replace("priority: 150", "priority: 120")), "a priority is reloaded");
        assertEquals(List.of("group.name", "group.vrid"), refused(ONE, ONE.replace("vrid: 7", "vrid: 9")),
                "the default name follows the VRID; both are named");
        assertEquals(List.of("vips"), refused(ONE, ONE.replace("10.0.0.10/24", "10.0.0.11/24")));
    }

    @Test
    void severalGroupsAreComparedByName() throws Exception {
        assertEquals(List.of(), refused(SEVERAL, SEVERAL.replace("priority: 100", "priority: 200")));
        assertEquals(List.of("group b.vips"), refused(SEVERAL, SEVERAL.replace("10.0.0.20/24", "10.0.0.21/24")));
        assertEquals(List.of("groups (their names)"), refused(SEVERAL, SEVERAL.replace("name: b", "name: c")));
    }
}
