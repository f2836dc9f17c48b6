package io.lvsha.vrrp;

/** Builds valid datagrams for tests and patches them into invalid ones. */
final class Packets {
    private Packets() {
    }

    /** Recomputes the VRRP checksum of an IPv4 datagram after a test changed a field behind it. */
    static byte[] withFixedChecksum(byte[] datagram, ChecksumMode mode) {
        byte[] copy = datagram.clone();
        int ihl = (copy[0] & 0x0f) * 4;
        int totalLength = (copy[2] & 0xff) << 8 | (copy[3] & 0xff);
        int length = totalLength - ihl;
        copy[ihl + 6] = 0;
        copy[ihl + 7] = 0;
        long sum = 0;
        boolean v3 = (copy[ihl] & 0xf0) == 0x30;
        if (v3 && mode == ChecksumMode.PSEUDO_HEADER) {
            sum = InternetChecksum.add16(InternetChecksum.add16(InternetChecksum.add(sum, copy, 12, 8), length),
                    AdvertCodec.IP_PROTOCOL_VRRP);
        }
        int checksum = InternetChecksum.finish(InternetChecksum.add(sum, copy, ihl, length));
        copy[ihl + 6] = (byte) (checksum >>> 8);
        copy[ihl + 7] = (byte) checksum;
        return copy;
    }
}
