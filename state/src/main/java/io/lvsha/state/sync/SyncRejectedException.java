package io.lvsha.state.sync;

/** A sync datagram the kernel would ignore entirely. Stackless: it is a counted drop, not a bug. */
public final class SyncRejectedException extends Exception {
    private final SyncDropReason reason;

    public SyncRejectedException(SyncDropReason reason, String detail) {
        super(reason.description() + ": " + detail, null, false, false);
        this.reason = reason;
    }

    public SyncDropReason reason() {
        return reason;
    }
}
