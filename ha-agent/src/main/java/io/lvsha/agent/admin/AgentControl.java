package io.lvsha.agent.admin;

import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.metrics.AgentMetrics;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** What the admin socket may ask of the running agent. Every call returns at once; work runs on the HA loop. */
public interface AgentControl {
    String node();

    CompletableFuture<Map<String, Object>> status();

    /** Each command for a group takes its name, or null: the agent's only group, or all of several. */
    CompletableFuture<Map<String, Object>> switchover(String group, long holdNanos);

    CompletableFuture<Map<String, Object>> resume(String group);

    CompletableFuture<Map<String, Object>> maintenance(String group, boolean on);

    /** @param priority 1..254, or null to go back to the configured priority */
    CompletableFuture<Map<String, Object>> priority(String group, Integer priority);

    CompletableFuture<Map<String, Object>> reload();

    CompletableFuture<Map<String, Object>> announce(String group);

    /**
     * The replicated connection table, what a takeover would commit.
     *
     * @param client only this client's entries, or null for all
     * @param limit at most this many entries in the reply
     */
    CompletableFuture<Map<String, Object>> connections(String group, io.lvsha.vrrp.IpAddress client, int limit);

    /**
     * Drains, disables or enables one real server at run time.
     *
     * @param address the server's address, or its ADDRESS:PORT as status shows it
     */
    CompletableFuture<Map<String, Object>> realServer(String service, String address,
                                                      io.lvsha.agent.balancer.RealServerOverrides.Mode mode);

    /** The settings of this machine a failover depends on, each with what to change if it does not serve. */
    CompletableFuture<Map<String, Object>> doctor();

    long defaultSwitchoverHoldNanos();

    EventLog events();

    AgentMetrics metrics();
}
