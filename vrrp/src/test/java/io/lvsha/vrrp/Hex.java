package io.lvsha.vrrp;

import java.util.HexFormat;

/** Test fixtures written as hex dumps ("01 00 5e ..."), whitespace ignored. */
final class Hex {
    private Hex() {
    }

    static byte[] bytes(String dump) {
        return HexFormat.of().parseHex(dump.replaceAll("\\s+", ""));
    }

    static String of(byte[] bytes) {
        return HexFormat.ofDelimiter(" ").formatHex(bytes);
    }
}
