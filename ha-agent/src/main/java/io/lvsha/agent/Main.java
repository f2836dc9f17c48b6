package io.lvsha.agent;

import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.config.ConfigException;
import io.lvsha.agent.config.ConfigLoader;
import io.lvsha.agent.admin.AdminCommands;
import io.lvsha.agent.admin.AdminServer;
import io.lvsha.agent.director.Backends;
import io.lvsha.agent.director.CommandRunner;
import io.lvsha.agent.director.DirectorBackend;
import io.lvsha.agent.group.DirectorWiring;
import io.lvsha.agent.group.HaAgent;
import java.nio.file.Files;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ha-agent --config FILE} runs the agent; {@code ha-agent --check FILE} validates the file
 * and exits. Exit codes: 0 fine, 1 could not start, 2 bad configuration, 64 bad usage.
 */
public final class Main {
    private Main() {
    }

    /** The numeric id of a group from /etc/group, or -1 (no group configured, or not found). */
    private static int groupId(String name) throws IOException {
        if (name == null) {
            return -1;
        }
        for (String line : Files.readAllLines(Path.of("/etc/group"))) {
            String[] fields = line.split(":");
            if (fields.length >= 3 && fields[0].equals(name)) {
                return Integer.parseInt(fields[2]);
            }
        }
        throw new IOException("admin.group '" + name + "' is not in /etc/group");
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2 || !(args[0].equals("--config") || args[0].equals("--check"))) {
            System.err.println("usage: ha-agent --config FILE | --check FILE");
            System.exit(64);
        }
        AgentConfig config;
        try {
            config = ConfigLoader.load(Path.of(args[1]));
        } catch (ConfigException e) {
            System.err.println("configuration refused:");
            e.problems().forEach(problem -> System.err.println("  " + problem));
            System.exit(2);
            return;
        }
        if (args[0].equals("--check")) {
            System.out.println(args[1] + ": OK (node " + config.node() + ", " + String.join("; ", config.groups().stream()
                    .map(group -> "group " + group.name() + ": VRID " + group.vrid() + ", " + group.channels().size()
                            + " channels, " + group.vips().size() + " VIPs").toList())
                    + (config.director() == null ? "" : ", " + config.director().desired().services().size()
                    + " services on the " + config.director().backend() + " backend") + ")");
            if (config.director() != null) {
                // What would be programmed on an empty director, as operations (the dry-run backend)
                // and as the script the configured backend would load: read before the first start.
                CommandRunner nothing = (command, input) -> new CommandRunner.Result(0, "");
                System.out.print("# operations\n" + Backends.provider("dry-run").create(DirectorWiring.backendContext(config, nothing))
                        .render(config.director().desired()));
                DirectorBackend backend = Backends.provider(config.director().backend())
                        .create(DirectorWiring.backendContext(config, nothing));
                System.out.print(backend.render(config.director().desired()));
            }
            return;
        }
        HaAgent agent;
        AdminServer admin;
        try {
            agent = HaAgent.start(config, System.out);
        } catch (IOException e) {
            System.err.println("cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        try {
            admin = AdminServer.start(config.admin().socket(), groupId(config.admin().group()), config.admin().group(),
                    new AdminCommands(agent.commands()));
        } catch (IOException e) {
            System.err.println("cannot start the admin socket: " + e.getMessage());
            agent.close();
            System.exit(1);
            return;
        }
        // The HA loop's part of a status ran once at start (HaAgent.start); what this first status
        // loads (its encoding, on the socket's thread) an operator's first one would wait for.
        admin.warmUp(java.util.List.of("{\"cmd\":\"hello\"}", "{\"cmd\":\"status\"}"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            // Resign with priority 0 and remove the VIPs first; the admin socket's close waits for
            // its event loop (about 10 ms), which the peer's takeover must not.
            agent.close();
            admin.close();
            stopped.countDown();
        };
        // SIGTERM and SIGINT stop the agent from their own handler rather than through the JVM's
        // shutdown sequence, which put 3-5 ms between the signal and the priority-0 advert; the
        // hook still covers every other way out.
        for (String signal : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), received -> stop.run());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "shutdown"));
        stopped.await();
        System.exit(0);
    }
}
