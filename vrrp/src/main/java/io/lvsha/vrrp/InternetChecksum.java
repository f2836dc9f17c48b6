package io.lvsha.vrrp;

/**
 * The 16-bit one's-complement sum of RFC 1071, accumulated over several ranges (pseudo-header
 * parts, then the message) in a {@code long} the caller passes along: no object, so that the
 * advert path allocates nothing whatever the JIT inlines (an object per sum cost 24 bytes an
 * advert where escape analysis gave up).
 */
final class InternetChecksum {
    private InternetChecksum() {
    }

    /** Adds {@code length} bytes at {@code offset} as big-endian 16-bit words; must start word-aligned. */
    static long add(long sum, byte[] buffer, int offset, int length) {
        int end = offset + length;
        int i = offset;
        for (; i + 1 < end; i += 2) {
            sum += ((buffer[i] & 0xff) << 8) | (buffer[i + 1] & 0xff);
        }
        if (i < end) {
            sum += (buffer[i] & 0xff) << 8;
        }
        return sum;
    }

    /** Adds a 16-bit value (a pseudo-header length or protocol word). */
    static long add16(long sum, int value) {
        return sum + (value & 0xffff);
    }

    static long addAddress(long sum, IpAddress address) {
        byte[] raw = address.bytesInPlace(); // no copy
        return add(sum, raw, 0, raw.length);
    }

    /** The complemented, folded sum: the value to store in a checksum field that was zero. */
    static int finish(long sum) {
        long folded = sum;
        while ((folded >>> 16) != 0) {
            folded = (folded & 0xffff) + (folded >>> 16);
        }
        return (int) (~folded & 0xffff);
    }
}
