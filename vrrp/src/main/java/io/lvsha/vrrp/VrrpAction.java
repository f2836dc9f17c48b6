package io.lvsha.vrrp;

/**
 * What a {@link VirtualRouter} asks its caller to do, in the order returned: the order is the
 * takeover order of the design (advert first, then the role change that adds VIPs, then GARP).
 */
public sealed interface VrrpAction {
    /** Send an ADVERTISEMENT with {@code priority} on every channel whose link is up. */
    record SendAdvert(int priority) implements VrrpAction {
    }

    /** The role changed; the caller adds or removes VIPs and emits the event. */
    record RoleChanged(Role from, Role to, TransitionReason reason) implements VrrpAction {
    }

    /** Send gratuitous ARP / unsolicited NA for the virtual addresses (takeover, or to heal an L2 split). */
    record AnnounceAddresses() implements VrrpAction {
    }

    /** A channel stopped hearing the master while another channel still hears it, or its link went down. */
    record ChannelLost(int channel, String why) implements VrrpAction {
    }

    /** A lost channel hears the master again, or its link came back while we are master. */
    record ChannelRestored(int channel) implements VrrpAction {
    }
}
