package io.lvsha.state.table;

import io.lvsha.state.sync.ConnectionRecord;

/**
 * Whether a connection may enter a replicated table. The sync channel is plain multicast on the
 * private LAN, where every real server sits: what arrives there is checked against what this
 * director serves before it can be committed at a takeover.
 */
@FunctionalInterface
public interface ConnectionAdmission {
    /** Takes every connection (no services to check against). */
    ConnectionAdmission ANY = record -> null;

    /** @return null to admit the connection, else why not, as a metric label ("real-server") */
    String refusal(ConnectionRecord record);
}
