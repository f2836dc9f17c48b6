package io.lvsha.state.sync;

/**
 * Why the kernel's backup daemon would drop a sync datagram, the rest of it, or one entry
 * (net/netfilter/ipvs/ip_vs_sync.c, ip_vs_process_message and ip_vs_proc_sync_conn, Linux 6.1),
 * and why we drop one the kernel would take.
 */
public enum SyncDropReason {
    // The whole datagram, before the kernel's checks: ours (the kernel's backup takes any sender).
    FOREIGN_SENDER("the sender is neither this director's kernel nor its peer's (learned over the peer link)"),
    RATE_LIMITED("the sender sent more than " + SyncDatagramDecoder.DATAGRAMS_PER_SECOND_PER_SENDER + " datagrams a second"),
    // The whole datagram (ip_vs_process_message).
    HEADER_TOO_SHORT("shorter than a header"),
    SIZE_MISMATCH("'size' differs from the datagram's length"),
    SYNCID_FILTERED("syncid differs from ours (ours is not 0)"),
    // The rest of the datagram, from the entry that failed (ip_vs_process_message, negative retc).
    ENTRY_TRUNCATED("an entry's fixed part runs past the datagram"),
    ENTRY_BEYOND_BUFFER("an entry's size runs past the datagram"),
    UNKNOWN_ENTRY_VERSION("an entry's version is not 0"),
    BAD_ENTRY_TYPE("an entry's type is neither IPv4 (0) nor IPv6 (1) (kernel -10)"),
    ENTRY_SHORTER_THAN_FIXED("an entry's size is smaller than its fixed part (kernel -20)"),
    OPTION_HEADER_TRUNCATED("an option's type/length runs past the entry (kernel -30)"),
    OPTION_LENGTH_INVALID("an option's length is 0 or runs past the entry (kernel -40)"),
    BAD_SEQ_OPTION("sequence data is not 24 bytes, or given twice (kernel -50)"),
    BAD_PE_DATA("persistence-engine data over 255 bytes, or given twice (kernel -60)"),
    BAD_PE_NAME("persistence-engine name over 16 bytes, or given twice (kernel -70)"),
    V0_CONN_TRUNCATED("a v0 connection runs past the datagram"),
    V0_OPTIONS_TRUNCATED("a v0 connection's sequence options run past the datagram"),
    // One entry only (positive retc, or ip_vs_proc_conn's flag check).
    UNKNOWN_MANDATORY_OPTION("an option of unknown type without the optional flag (kernel 20)"),
    UNSUPPORTED_PROTOCOL("IPVS does not handle this protocol (kernel 30)"),
    INVALID_STATE("state beyond the protocol's states (kernel 40)"),
    INVALID_FLAGS("one-packet connections and templates without client port are never synced");

    private final String description;

    SyncDropReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** As a metric label: "size-mismatch". */
    public String metricName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
