package io.lvsha.vrrp;

/**
 * A received packet is not a valid VRRP advertisement; {@link #reason()} says which check failed.
 *
 * <p>Thrown on the receive path for every malformed packet, so it carries no stack trace: building
 * one per dropped packet would let a flood of garbage cost the HA loop real time.
 */
public final class AdvertRejectedException extends Exception {
    private final DropReason reason;

    public AdvertRejectedException(DropReason reason, String detail) {
        super(reason.description() + ": " + detail, null, false, false);
        this.reason = reason;
    }

    public DropReason reason() {
        return reason;
    }
}
