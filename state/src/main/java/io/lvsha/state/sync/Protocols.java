package io.lvsha.state.sync;

/** What the kernel's backup checks of an entry's protocol, state and flags before installing it. */
final class Protocols {
    static final int TCP = 6;
    static final int UDP = 17;
    static final int SCTP = 132;
    static final int AH = 51;
    static final int ESP = 50;

    private Protocols() {
    }

    /** Number of states of each protocol IPVS handles (IP_VS_*_S_LAST), 0 if IPVS does not handle it. */
    static int stateCount(int protocol) {
        return switch (protocol) {
            case TCP -> 11;
            case UDP, AH, ESP -> 1;
            case SCTP -> 13;
            default -> 0;
        };
    }

    /** @return why the kernel would skip this entry, or null if it would install it */
    static SyncDropReason check(int protocol, int flags, int state) {
        if ((flags & ConnectionRecord.Flags.ONE_PACKET) != 0
                || (flags & (ConnectionRecord.Flags.NO_CPORT | ConnectionRecord.Flags.TEMPLATE))
                == (ConnectionRecord.Flags.NO_CPORT | ConnectionRecord.Flags.TEMPLATE)) {
            return SyncDropReason.INVALID_FLAGS;
        }
        if ((flags & ConnectionRecord.Flags.TEMPLATE) != 0) {
            return null; // templates: the kernel only logs an unknown template state
        }
        int states = stateCount(protocol);
        if (states == 0) {
            return SyncDropReason.UNSUPPORTED_PROTOCOL;
        }
        return state >= states ? SyncDropReason.INVALID_STATE : null;
    }
}
