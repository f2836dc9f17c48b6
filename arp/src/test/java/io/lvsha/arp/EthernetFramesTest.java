package io.lvsha.arp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lvsha.vrrp.IpAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class EthernetFramesTest {
    private static final MacAddress D2 = MacAddress.parse("02:00:0a:63:00:0c");
    private static final IpAddress VIP = IpAddress.parse("10.99.0.10");

    /** ../shared/reference/keepalived-garp.txt */
    private static final String KEEPALIVED_GARP = "ffffffffffff02000a63000c08060001080006040001"
            + "02000a63000c0a63000affffffffffff0a63000a";

    @Test
    void gratuitousArpRequestIsByteForByteWhatKeepalivedSends() {
        assertEquals(KEEPALIVED_GARP, HexFormat.of().formatHex(EthernetFrames.gratuitousArp(D2, VIP, ArpForm.REQUEST)));
    }

    @Test
    void replyFormIsOpcodeTwoWithOurOwnMacAsTarget() {
        byte[] frame = EthernetFrames.gratuitousArp(D2, VIP, ArpForm.REPLY);
        assertEquals(2, frame[21]);
        assertEquals("02000a63000c", HexFormat.of().formatHex(frame, 32, 38));
    }

    @Test
    void unsolicitedNeighborAdvertHasOverrideFlagAndAValidChecksum() {
        IpAddress vip6 = IpAddress.parse("2001:db8::10");
        byte[] frame = EthernetFrames.unsolicitedNeighborAdvert(D2, vip6, false);
        assertEquals("333300000001", HexFormat.of().formatHex(frame, 0, 6));
        assertEquals(0x20, frame[14 + 40 + 4] & 0xff);
        assertEquals(255, frame[14 + 7] & 0xff);
        // The one's-complement sum over pseudo-header and message, checksum included, is 0xffff.
        long sum = 0;
        for (int i = 14 + 8; i < 14 + 40; i += 2) {
            sum += (frame[i] & 0xff) << 8 | (frame[i + 1] & 0xff);
        }
        sum += 32 + 58;
        for (int i = 14 + 40; i < frame.length; i += 2) {
            sum += (frame[i] & 0xff) << 8 | (frame[i + 1] & 0xff);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        assertEquals(0xffff, sum);
    }

    @Test
    void multicastGroupsMapToTheirEthernetAddresses() {
        assertEquals("01:00:5e:00:00:12", MacAddress.ofMulticastGroup(IpAddress.parse("224.0.0.18").toBytes()).toString());
        assertEquals("33:33:00:00:00:12", MacAddress.ofMulticastGroup(IpAddress.parse("ff02::12").toBytes()).toString());
    }

    @Test
    void ipOffsetSkipsAVlanTagAndRefusesArp() {
        byte[] plain = new byte[60];
        plain[12] = 0x08;
        assertEquals(14, EthernetFrames.ipOffset(plain, plain.length));
        byte[] tagged = new byte[60];
        tagged[12] = (byte) 0x81;
        tagged[16] = (byte) 0x86;
        tagged[17] = (byte) 0xdd;
        assertEquals(18, EthernetFrames.ipOffset(tagged, tagged.length));
        assertEquals(-1, EthernetFrames.ipOffset(EthernetFrames.gratuitousArp(D2, VIP, ArpForm.REQUEST), 42));
        assertEquals(-1, EthernetFrames.ipOffset(new byte[5], 5));
    }
}
