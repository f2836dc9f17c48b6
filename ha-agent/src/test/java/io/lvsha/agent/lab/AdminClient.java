package io.lvsha.agent.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Sends raw lines to an agent's admin socket and reads the reply lines, for tests and the harness. */
public final class AdminClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SocketChannel channel;
    private final BufferedReader in;

    public AdminClient(Path socket) throws IOException {
        channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
    }

    /** One request, one reply. */
    public static JsonNode call(Path socket, String request) throws IOException {
        try (AdminClient client = new AdminClient(socket)) {
            return client.send(request);
        }
    }

    public JsonNode send(String line) throws IOException {
        write(line + "\n");
        return readReply();
    }

    public void write(String raw) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(raw.getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** The next reply line, or null when the agent closed the connection. */
    public JsonNode readReply() throws IOException {
        String line = in.readLine();
        return line == null ? null : JSON.readTree(line);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
