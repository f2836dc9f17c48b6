package io.lvsha.vrrp;

/**
 * The advertisement-interval rules of both versions and the timer arithmetic built on them.
 *
 * <p>Intervals are carried in centiseconds everywhere (the v3 wire unit); a v2 interval is a whole
 * number of seconds, so it is a multiple of 100. Timer values are computed in nanoseconds so that
 * no rounding to centiseconds happens: at a 1 cs interval and priority 100, Skew_Time is 0.609 cs,
 * which integer centiseconds would turn into 0.
 */
public final class AdvertIntervals {
    /** VRRPv2 (RFC 3768 §5.3.7): 1..255 seconds. */
    public static final int V2_MIN_CENTIS = 100;
    public static final int V2_MAX_CENTIS = 255 * 100;
    /** VRRPv3 (RFC 5798 §5.2.7): a 12-bit count of centiseconds, 10 ms .. 40.95 s. */
    public static final int V3_MIN_CENTIS = 1;
    public static final int V3_MAX_CENTIS = 4095;

    private static final long NANOS_PER_CENTI = 10_000_000L;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private AdvertIntervals() {
    }

    /**
     * @return {@code null} if {@code centis} is a valid advertisement interval for {@code version},
     *     otherwise a sentence that names the rule it breaks
     */
    public static String violation(VrrpVersion version, int centis) {
        if (version == VrrpVersion.V2) {
            if (centis % 100 != 0 || centis < V2_MIN_CENTIS || centis > V2_MAX_CENTIS) {
                return "a VRRPv2 advert interval is a whole number of seconds from 1 to 255 (RFC 3768 §5.3.7), not "
                        + centis * 10 + " ms";
            }
            return null;
        }
        if (centis < V3_MIN_CENTIS || centis > V3_MAX_CENTIS) {
            return "a VRRPv3 advert interval is 10 ms to 40950 ms in steps of 10 ms (RFC 5798 §5.2.7), not "
                    + centis * 10 + " ms";
        }
        return null;
    }

    /**
     * @throws IllegalArgumentException with the rule's sentence if the interval is invalid
     */
    public static void requireValid(VrrpVersion version, int centis) {
        String violation = violation(version, centis);
        if (violation != null) {
            throw new IllegalArgumentException(violation);
        }
    }

    public static long centisToNanos(int centis) {
        return centis * NANOS_PER_CENTI;
    }

    /**
     * Skew_Time for a router of {@code priority}.
     *
     * <p>RFC 5798 §6.1: {@code ((256 - Priority) * Master_Adver_Interval) / 256}.
     * RFC 3768 §6.1 (v2): {@code (256 - Priority) / 256} seconds, independent of the interval.
     */
    public static long skewTimeNanos(VrrpVersion version, int priority, int masterAdverIntervalCentis) {
        long base = version == VrrpVersion.V2 ? NANOS_PER_SECOND : centisToNanos(masterAdverIntervalCentis);
        return (256L - priority) * base / 256L;
    }

    /** Master_Down_Interval: {@code 3 * Master_Adver_Interval + Skew_Time} (both RFCs, §6.1). */
    public static long masterDownIntervalNanos(VrrpVersion version, int priority, int masterAdverIntervalCentis) {
        return 3L * centisToNanos(masterAdverIntervalCentis)
                + skewTimeNanos(version, priority, masterAdverIntervalCentis);
    }
}
