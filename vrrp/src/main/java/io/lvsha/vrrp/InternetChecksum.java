package io.lvsha.vrrp;

/**
 * The 16-bit one's-complement sum of RFC 1071, accumulated over several ranges (pseudo-header
 * parts, then the message). Not thread-safe; cheap to create.
 */
final class InternetChecksum {
    private long sum;

    /** Adds {@code length} bytes at {@code offset} as big-endian 16-bit words; must start word-aligned. */
    InternetChecksum add(byte[] buffer, int offset, int length) {
        int end = offset + length;
        int i = offset;
        for (; i + 1 < end; i += 2) {
            sum += ((buffer[i] & 0xff) << 8) | (buffer[i + 1] & 0xff);
        }
        if (i < end) {
            sum += (buffer[i] & 0xff) << 8;
        }
        return this;
    }

    /** Adds a 16-bit value (a pseudo-header length or protocol word). */
    InternetChecksum add16(int value) {
        sum += value & 0xffff;
        return this;
    }

    InternetChecksum addAddress(IpAddress address) {
        byte[] raw = address.bytesInPlace(); // no copy: the advert path allocates nothing
        return add(raw, 0, raw.length);
    }

    /** The complemented, folded sum: the value to store in a checksum field that was zero. */
    int finish() {
        long folded = sum;
        while ((folded >>> 16) != 0) {
            folded = (folded & 0xffff) + (folded >>> 16);
        }
        return (int) (~folded & 0xffff);
    }
}
