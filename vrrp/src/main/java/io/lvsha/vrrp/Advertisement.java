package io.lvsha.vrrp;

import java.util.List;

/**
 * The fields of one VRRP ADVERTISEMENT, in the units the state machine uses.
 *
 * @param version VRRP version
 * @param vrid Virtual Router ID, 1..255
 * @param priority 0 (the master resigns) .. 255 (the address owner)
 * @param adverIntervalCentis v3 Max Adver Int, or the v2 Adver Int converted to centiseconds
 * @param addresses the virtual addresses, 1..255 of one family
 * @param v2Auth VRRPv2 authentication; {@code null} for v3 (defaults to none for v2)
 */
public record Advertisement(
        VrrpVersion version,
        int vrid,
        int priority,
        int adverIntervalCentis,
        List<IpAddress> addresses,
        V2Authentication v2Auth) {

    /** The only VRRP packet type (RFC 5798 §5.2.2). */
    public static final int TYPE_ADVERTISEMENT = 1;
    /** Priority that resigns mastership (RFC 5798 §5.2.4). */
    public static final int PRIORITY_RESIGN = 0;
    /** Priority of the router that owns the virtual addresses. */
    public static final int PRIORITY_OWNER = 255;

    public Advertisement {
        if (vrid < 1 || vrid > 255) {
            throw new IllegalArgumentException("VRID is 1..255, not " + vrid);
        }
        if (priority < 0 || priority > 255) {
            throw new IllegalArgumentException("priority is 0..255, not " + priority);
        }
        AdvertIntervals.requireValid(version, adverIntervalCentis);
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty() || addresses.size() > 255) {
            throw new IllegalArgumentException("an advert carries 1..255 addresses, not " + addresses.size());
        }
        AddressFamily family = addresses.get(0).family();
        for (IpAddress address : addresses) {
            if (address.family() != family) {
                throw new IllegalArgumentException("an advert's addresses are all of one family: " + addresses);
            }
        }
        if (version == VrrpVersion.V3) {
            v2Auth = null;
        } else if (v2Auth == null) {
            v2Auth = V2Authentication.none();
        }
    }

    /** Builds an advert for the common case (v2 without authentication). */
    public static Advertisement of(VrrpVersion version, int vrid, int priority, int adverIntervalCentis,
                                   List<IpAddress> addresses) {
        return new Advertisement(version, vrid, priority, adverIntervalCentis, addresses, null);
    }

    public AddressFamily family() {
        return addresses.get(0).family();
    }

    /** The same advert with another priority (priority 0 on shutdown, a changed effective priority). */
    public Advertisement withPriority(int newPriority) {
        return newPriority == priority
                ? this
                : new Advertisement(version, vrid, newPriority, adverIntervalCentis, addresses, v2Auth);
    }
}
