package io.lvsha.agent.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.admin.AdminCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the ha-agentctl launcher runs once, under {@code -XX:ArchiveClassesAtExit}, to make its
 * AppCDS archive: every kind of reply the command line renders, each sent through a Unix socket of
 * its own by a stand-in agent, so that the archive holds the classes of every command and not only
 * of the one an operator happened to run first. A class missing from the archive is read from the
 * jar, and opening the agent's jar cost a command about 7 ms.
 */
final class ArchiveTraining {
    static final String OPTION = "--archive-training";
    private static final String REPLIES = "training-replies.jsonl";

    private ArchiveTraining() {
    }

    /** @return 0 when every reply went through, 1 otherwise (the launcher then keeps no archive) */
    static int run(PrintStream err) {
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
        try {
            Path dir = Files.createTempDirectory("ha-agentctl-training");
            try {
                for (JsonNode sample : samples()) {
                    AdminCommand command = AdminCommand.named(sample.path("command").asText());
                    int exit = exchange(dir.resolve("agent.sock"), command, JsonTrees.write(sample.path("reply")), discard);
                    if (exit > 1) {
                        err.println("ha-agentctl: archive training: " + command.word() + " exited " + exit);
                        return 1;
                    }
                }
                return 0;
            } finally {
                Files.deleteIfExists(dir.resolve("agent.sock"));
                Files.delete(dir);
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            err.println("ha-agentctl: archive training failed: " + e);
            return 1;
        }
    }

    /** The sample replies, one for each way of rendering one. */
    static List<JsonNode> samples() throws IOException {
        List<JsonNode> samples = new ArrayList<>();
        try (InputStream resource = ArchiveTraining.class.getResourceAsStream(REPLIES)) {
            if (resource == null) {
                throw new IOException(REPLIES + " is missing from the jar");
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(resource, StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                samples.add(JsonTrees.parse(line));
            }
        }
        return samples;
    }

    /** One command through {@link AgentCtl#exchange}, a stand-in agent answering it with {@code reply}. */
    private static int exchange(Path socket, AdminCommand command, String reply, PrintStream discard)
            throws IOException, InterruptedException {
        Files.deleteIfExists(socket);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread agent = new Thread(() -> {
                try (SocketChannel accepted = server.accept()) {
                    new BufferedReader(new InputStreamReader(Channels.newInputStream(accepted), StandardCharsets.UTF_8))
                            .readLine();
                    accepted.write(ByteBuffer.wrap((reply + "\n").getBytes(StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    // The client sees the connection closed without a reply, and says so.
                }
            }, "training-agent");
            agent.start();
            try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                return AgentCtl.exchange(channel, AgentCtl.request(List.of(command.word()), null), false, discard, discard);
            } finally {
                agent.join();
            }
        }
    }
}
