package io.lvsha.agent.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The CLI's own tree reader and writer agree with Jackson's ObjectMapper, value for value and byte for byte. */
class JsonTreesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REPLY = "{\"ok\":true,\"node\":\"d1\",\"uptime_s\":52,\"big\":123456789012345678901234567890,"
            + "\"ratio\":0.25,\"none\":null,\"text\":\"tab\\tquote\\\" é\",\"priority\":{\"configured\":150,\"effective\":-1},"
            + "\"channels\":[{\"name\":\"public\",\"lost\":false},[],{}],\"long\":9007199254740993}";

    @Test
    void aReplyReadsAsTheMapperReadsItAndWritesBackTheSame() throws IOException {
        assertEquals(MAPPER.readTree(REPLY), JsonTrees.parse(REPLY));
        assertEquals(MAPPER.writeValueAsString(MAPPER.readTree(REPLY)), JsonTrees.write(JsonTrees.parse(REPLY)));
    }

    @Test
    void aRequestBuiltHereIsTheMappersJson() throws IOException {
        var request = JsonTrees.object().put("cmd", "switchover");
        request.putObject("args").put("hold", 5).put("group", "tftp");
        assertEquals(MAPPER.writeValueAsString(request), JsonTrees.write(request));
    }

    @Test
    void somethingThatIsNotJsonIsAnIoError() {
        assertThrows(IOException.class, () -> JsonTrees.parse(""));
        assertThrows(IOException.class, () -> JsonTrees.parse("{\"ok\":"));
    }
}
