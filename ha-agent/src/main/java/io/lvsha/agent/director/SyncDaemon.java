package io.lvsha.agent.director;

import java.net.InetSocketAddress;

/**
 * The kernel's IPVS sync daemon as the agent runs it ({@code ipvsadm --start-daemon ROLE
 * --mcast-interface IF --syncid N --mcast-group G --mcast-port P}, plus {@code --sync-maxlen} on
 * the master).
 *
 * @param iface the interface its multicast goes out of and comes in on
 * @param syncId its syncid
 * @param group its multicast group and port
 * @param masterMaxlen the largest datagram the master's kernel sends, in bytes, or null for the
 *     kernel's own (1472, up to 40 connections; a partial datagram is held up to 2 s)
 * @param both whether the master and the backup daemon both run whatever the role (an
 *     active-active pair: each director is master of a group and backup of the other's, and the
 *     kernel allows both daemons at once); false: the role picks one, as keepalived's
 *     lvs_sync_daemon does
 */
public record SyncDaemon(String iface, int syncId, InetSocketAddress group, Integer masterMaxlen, boolean both) {
    public SyncDaemon(String iface, int syncId, InetSocketAddress group, Integer masterMaxlen) {
        this(iface, syncId, group, masterMaxlen, false);
    }
}
