package io.lvsha.agent.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lvsha.agent.admin.AdminCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ha-agentctl}: the operator's command line over the admin socket. Human output by default,
 * the agent's JSON reply with {@code --json}. Exit codes: 0 done, 1 the agent said no (or doctor
 * advises a change), 2 bad usage, 3 no agent to talk to.
 */
public final class AgentCtl {
    static final String DEFAULT_SOCKET = "/run/ha-agent/admin.sock";
    private static final String USAGE = AdminCommand.usage("ha-agentctl [--socket PATH] [--json] [--group NAME] COMMAND\n"
            + "(--group: switchover, resume, maintenance, priority and garp act on that group; without it, on every group)");

    private AgentCtl() {
    }

    public static void main(String[] args) {
        if (args.length == 1 && args[0].equals(ArchiveTraining.OPTION)) {
            System.exit(ArchiveTraining.run(System.err));
        }
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line against the given streams; returns the exit code (for scripts and tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String socket = DEFAULT_SOCKET;
        boolean json = false;
        String group = null;
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--socket" -> {
                    if (++i == args.length) {
                        return usage(err, "--socket needs a path");
                    }
                    socket = args[i];
                }
                case "--json" -> json = true;
                case "--group" -> {
                    if (++i == args.length) {
                        return usage(err, "--group needs a group's name");
                    }
                    group = args[i];
                }
                case "-h", "--help" -> {
                    out.println(USAGE);
                    return 0;
                }
                default -> words.add(args[i]);
            }
        }
        ObjectNode request;
        try {
            request = request(words, group);
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        }
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return exchange(channel, request, json, out, err);
        } catch (IOException e) {
            err.println("ha-agentctl: cannot talk to the agent at " + socket + ": " + e.getMessage()
                    + " (is ha-agent running? are you root or in its admin group?)");
            return 3;
        }
    }

    /** Sends {@code request} to the agent and prints its reply (and, following events, each later one); the exit code. */
    static int exchange(SocketChannel channel, ObjectNode request, boolean json, PrintStream out, PrintStream err)
            throws IOException {
        boolean follow = request.path("args").path("follow").asBoolean(false);
        channel.write(ByteBuffer.wrap((JsonTrees.write(request) + "\n").getBytes(StandardCharsets.UTF_8)));
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        String line = in.readLine();
        if (line == null) {
            err.println("ha-agentctl: the agent closed the connection without a reply");
            return 1;
        }
        JsonNode reply = JsonTrees.parse(line);
        if (!reply.path("ok").asBoolean(false)) {
            if (json) {
                out.println(line);
            }
            err.println("ha-agentctl: " + reply.path("error").path("message").asText("error")
                    + " (" + reply.path("error").path("code").asText("?") + ")");
            return 1;
        }
        out.println(json ? line : Render.reply(AdminCommand.named(request.path("cmd").asText()), reply));
        if (reply.path("advised").asLong(0) > 0) {
            return 1;
        }
        while (follow && (line = in.readLine()) != null) {
            out.println(json ? line : Render.event(JsonTrees.parse(line)));
            out.flush();
        }
        return 0;
    }

    private static int usage(PrintStream err, String problem) {
        err.println("ha-agentctl: " + problem);
        err.println(USAGE);
        return 2;
    }

    /**
     * Turns the command words into a request, for {@code group} (or null: the only one, or all).
     *
     * @throws IllegalArgumentException on bad usage
     */
    static ObjectNode request(List<String> words, String group) {
        if (words.isEmpty()) {
            throw new IllegalArgumentException("which command?");
        }
        ObjectNode request = JsonTrees.object();
        ObjectNode args = JsonTrees.object();
        AdminCommand command = AdminCommand.named(words.get(0));
        String cmd = command.word();
        List<String> rest = words.subList(1, words.size());
        request.put("cmd", cmd);
        switch (command) {
            case STATUS, RESUME, RELOAD, METRICS, GARP, HELLO, DOCTOR -> expectNone(cmd, rest);
            case SWITCHOVER -> {
                if (rest.size() == 2 && rest.get(0).equals("--hold")) {
                    args.put("hold", number(rest.get(1), "--hold"));
                } else {
                    expectNone(cmd, rest);
                }
            }
            case MAINTENANCE -> {
                if (rest.size() != 1 || !(rest.get(0).equals("on") || rest.get(0).equals("off"))) {
                    throw new IllegalArgumentException(cmd + " " + command.arguments());
                }
                args.put("state", rest.get(0));
            }
            case PRIORITY -> {
                if (rest.size() == 2 && rest.get(0).equals("set")) {
                    args.put("action", "set").put("value", (int) number(rest.get(1), "priority"));
                } else if (rest.size() == 1 && rest.get(0).equals("reset")) {
                    args.put("action", "reset");
                } else {
                    throw new IllegalArgumentException(cmd + " " + command.arguments());
                }
            }
            case EVENTS -> {
                for (int i = 0; i < rest.size(); i++) {
                    if (rest.get(i).equals("--follow")) {
                        args.put("follow", true);
                    } else if (rest.get(i).equals("--last") && i + 1 < rest.size()) {
                        args.put("last", (int) number(rest.get(++i), "--last"));
                    } else {
                        throw new IllegalArgumentException(cmd + " " + command.arguments());
                    }
                }
            }
            case REAL_SERVER -> {
                if (rest.size() != 3 || !List.of("drain", "disable", "enable").contains(rest.get(0))) {
                    throw new IllegalArgumentException(cmd + " " + command.arguments());
                }
                args.put("action", rest.get(0)).put("service", rest.get(1)).put("address", rest.get(2));
            }
            case CONNECTIONS -> {
                for (int i = 0; i < rest.size(); i++) {
                    if (rest.get(i).equals("--client") && i + 1 < rest.size()) {
                        args.put("client", rest.get(++i));
                    } else if (rest.get(i).equals("--limit") && i + 1 < rest.size()) {
                        args.put("limit", (int) number(rest.get(++i), "--limit"));
                    } else {
                        throw new IllegalArgumentException(cmd + " " + command.arguments());
                    }
                }
            }
        }
        if (group != null) {
            if (!command.forGroup()) {
                throw new IllegalArgumentException(cmd + " is not for one group; --group goes with switchover, resume,"
                        + " maintenance, priority and garp");
            }
            args.put("group", group);
        }
        if (!args.isEmpty()) {
            request.set("args", args);
        }
        return request;
    }

    private static void expectNone(String cmd, List<String> rest) {
        if (!rest.isEmpty()) {
            throw new IllegalArgumentException(cmd + " takes no arguments, got " + rest);
        }
    }

    private static double number(String text, String what) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " takes a number, not '" + text + "'");
        }
    }
}
