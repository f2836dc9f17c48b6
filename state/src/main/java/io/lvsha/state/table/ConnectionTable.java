package io.lvsha.state.table;

import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The replicated IPVS connections, keyed as the kernel keys them: (protocol, client address and
 * port, virtual address and port). Every entry expires by its own timeout.
 *
 * <p>Compact by design: a director can hold millions of connections, so IPv4 entries (nearly all
 * of them) live in parallel primitive arrays with open addressing, linear probing and
 * backward-shift deletion: 40 bytes a slot, no object per entry. 1 M entries take about 80 MB
 * at the maximum load factor (deploy/bench/conn-table.sh measures it). IPv6 entries and the rare
 * optional data (sequence data, persistence-engine data) are kept in ordinary maps.
 *
 * <p>Time is an argument: {@code nowSeconds} on any monotonic clock the caller chooses.
 * <b>Note:</b> not thread-safe; one thread owns it.
 */
public final class ConnectionTable {
    private static final long USED = 1L << 63;
    private static final int INITIAL_CAPACITY = 1 << 10;
    private static final double MAX_LOAD = 0.7;

    /** client << 32 | virtual address. */
    private long[] addresses;
    /** USED | protocol << 32 | client port << 16 | virtual port; 0 = empty slot. */
    private long[] keys;
    /** real server << 32 | real port << 16 | state. */
    private long[] destinations;
    /** fwmark << 32 | flags. */
    private long[] markAndFlags;
    private int[] timeouts;
    /** When the entry expires, as seconds relative to {@link #epochSeconds}. */
    private int[] expiries;
    private int size;
    private int sweepCursor;
    private long epochSeconds = Long.MIN_VALUE;
    private final Map<ConnectionRecord.Key, Ipv6Entry> ipv6 = new HashMap<>();
    private final Map<Ipv4Key, ConnectionRecord.Options> options = new HashMap<>();

    private record Ipv4Key(long addresses, long key) {
    }


    private record Ipv6Entry(ConnectionRecord record, long expiresSeconds) {
    }

    public ConnectionTable() {
        allocate(INITIAL_CAPACITY);
    }

    /**
     * An independent copy: array copies, no per-entry work, so its owner can hand a large table
     * to another thread (a resync's pass and encoding) after a pause of milliseconds.
     */
    public ConnectionTable copy() {
        ConnectionTable copy = new ConnectionTable();
        copy.addresses = addresses.clone();
        copy.keys = keys.clone();
        copy.destinations = destinations.clone();
        copy.markAndFlags = markAndFlags.clone();
        copy.timeouts = timeouts.clone();
        copy.expiries = expiries.clone();
        copy.size = size;
        copy.sweepCursor = sweepCursor;
        copy.epochSeconds = epochSeconds;
        copy.ipv6.putAll(ipv6);
        copy.options.putAll(options);
        return copy;
    }

    private void allocate(int capacity) {
        addresses = new long[capacity];
        keys = new long[capacity];
        destinations = new long[capacity];
        markAndFlags = new long[capacity];
        timeouts = new int[capacity];
        expiries = new int[capacity];
    }

    /** Adds or replaces the connection; it expires {@code timeoutSeconds} after {@code nowSeconds}. */
    public void put(ConnectionRecord record, long nowSeconds) {
        if (epochSeconds == Long.MIN_VALUE) {
            epochSeconds = nowSeconds;
        }
        long expires = nowSeconds + record.timeoutSecondsUnsigned();
        if (record.isIpv6()) {
            ipv6.put(record.key(), new Ipv6Entry(record, expires));
            return;
        }
        if (size + 1 > keys.length * MAX_LOAD) {
            grow();
        }
        long address = addressWord(record.client(), record.virtualAddress());
        long key = keyWord(record.protocol(), record.clientPort(), record.virtualPort());
        int slot = find(address, key);
        if (slot < 0) {
            slot = -slot - 1;
            size++;
        }
        addresses[slot] = address;
        keys[slot] = key;
        destinations[slot] = (ipv4(record.realServer()) << 32) | ((long) record.realPort() << 16) | record.state();
        markAndFlags[slot] = ((long) record.fwmark() << 32) | (record.flags() & 0xffffffffL);
        timeouts[slot] = record.timeoutSeconds();
        expiries[slot] = (int) (expires - epochSeconds);
        if (record.options().equals(ConnectionRecord.Options.NONE)) {
            options.remove(new Ipv4Key(address, key));
        } else {
            options.put(new Ipv4Key(address, key), record.options());
        }
    }

    /** The connection with this key, or null. */
    public ConnectionRecord get(int protocol, IpAddress client, int clientPort, IpAddress virtualAddress,
                                int virtualPort) {
        if (client.family() == AddressFamily.IPV6) {
            Ipv6Entry entry = ipv6.get(new ConnectionRecord.Key(protocol, client, clientPort, virtualAddress, virtualPort));
            return entry == null ? null : entry.record();
        }
        int slot = find(addressWord(client, virtualAddress), keyWord(protocol, clientPort, virtualPort));
        return slot < 0 ? null : recordAt(slot);
    }

    /** Removes the connection with this key. @return whether there was one */
    public boolean remove(int protocol, IpAddress client, int clientPort, IpAddress virtualAddress, int virtualPort) {
        if (client.family() == AddressFamily.IPV6) {
            return ipv6.remove(new ConnectionRecord.Key(protocol, client, clientPort, virtualAddress, virtualPort)) != null;
        }
        int slot = find(addressWord(client, virtualAddress), keyWord(protocol, clientPort, virtualPort));
        if (slot < 0) {
            return false;
        }
        delete(slot);
        return true;
    }

    /** Removes the connection with {@code record}'s key. @return whether there was one */
    public boolean remove(ConnectionRecord record) {
        return remove(record.protocol(), record.client(), record.clientPort(), record.virtualAddress(), record.virtualPort());
    }

    public int size() {
        return size + ipv6.size();
    }

    /**
     * Removes expired entries, looking at no more than {@code maxSlots} slots: call it often with a
     * small budget so that expiry never takes a long pause.
     *
     * @return how many entries were removed
     */
    public int expire(long nowSeconds, int maxSlots) {
        int removed = 0;
        int relativeNow = epochSeconds == Long.MIN_VALUE ? 0 : (int) (nowSeconds - epochSeconds);
        for (int examined = 0; examined < maxSlots && size > 0; examined++) {
            sweepCursor = (sweepCursor + 1) & (keys.length - 1);
            // Backward-shift deletion may move an unexamined entry into this slot: look at it again.
            while (keys[sweepCursor] != 0 && relativeNow - expiries[sweepCursor] >= 0) {
                delete(sweepCursor);
                removed++;
            }
        }
        for (Iterator<Ipv6Entry> it = ipv6.values().iterator(); it.hasNext(); ) {
            if (nowSeconds - it.next().expiresSeconds() >= 0) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    /** Every entry, in no particular order (for a full resync to a peer). */
    public void forEach(Consumer<ConnectionRecord> consumer) {
        for (int slot = 0; slot < keys.length; slot++) {
            if (keys[slot] != 0) {
                consumer.accept(recordAt(slot));
            }
        }
        ipv6.values().forEach(entry -> consumer.accept(entry.record()));
    }

    /**
     * A digest per bucket of the key space: two tables with the same entries have the same
     * digests, and a differing entry changes the digest of its bucket only. Lets two peers find
     * what differs without sending the table.
     */
    public long[] bucketDigests(int buckets) {
        long[] digests = new long[buckets];
        // A sum of strong per-entry hashes: unlike XOR, two entries can never cancel each other out
        // (structured keys, such as one client on two ports, made XOR digests of full buckets zero).
        forEach(record -> digests[bucketOf(record, buckets)] += entryHash(record));
        return digests;
    }

    /** Which of {@code buckets} buckets the connection's key falls in (the same on every node). */
    public static int bucketOf(ConnectionRecord record, int buckets) {
        return (int) Long.remainderUnsigned(keyHash(record), buckets);
    }

    private static long keyHash(ConnectionRecord record) {
        long h = absorb(SEED, record.protocol());
        h = absorb(h, record.client());
        h = absorb(h, record.clientPort());
        h = absorb(h, record.virtualAddress());
        return absorb(h, record.virtualPort());
    }

    /** Every field of the entry, so that a stale copy (another real server, state, timeout) differs. */
    private static long entryHash(ConnectionRecord record) {
        long h = absorb(keyHash(record), record.realServer());
        h = absorb(h, record.realPort());
        h = absorb(h, record.fwmark());
        h = absorb(h, record.flags());
        h = absorb(h, record.state());
        h = absorb(h, record.timeoutSeconds());
        return absorb(h, record.options().hashCode());
    }

    private static final long SEED = 0x6c76732d68615f31L;

    private static long absorb(long h, IpAddress address) {
        for (byte b : address.toBytes()) {
            h = absorb(h, b);
        }
        return h;
    }

    /** One step of a sponge over splitmix64's finaliser: order-sensitive, and every input bit reaches every output bit. */
    private static long absorb(long h, long value) {
        long x = h ^ value;
        x = (x ^ (x >>> 30)) * 0xbf58476d1ce4e5b9L;
        x = (x ^ (x >>> 27)) * 0x94d049bb133111ebL;
        return (x ^ (x >>> 31)) + 0x9e3779b97f4a7c15L;
    }

    /** The entries of the chosen buckets, grouped by bucket, in one pass over the table. */
    public Map<Integer, java.util.List<ConnectionRecord>> buckets(java.util.BitSet chosen, int buckets) {
        Map<Integer, java.util.List<ConnectionRecord>> content = new HashMap<>();
        forEach(record -> {
            int bucket = bucketOf(record, buckets);
            if (chosen.get(bucket)) {
                content.computeIfAbsent(bucket, b -> new java.util.ArrayList<>()).add(record);
            }
        });
        return content;
    }

    /** Removes every entry of the chosen buckets (before a resync refills them), in one pass. @return how many */
    public int clearBuckets(java.util.BitSet chosen, int buckets) {
        java.util.List<ConnectionRecord> doomed = new java.util.ArrayList<>();
        forEach(record -> {
            if (chosen.get(bucketOf(record, buckets))) {
                doomed.add(record);
            }
        });
        for (ConnectionRecord record : doomed) {
            remove(record.protocol(), record.client(), record.clientPort(), record.virtualAddress(), record.virtualPort());
        }
        return doomed.size();
    }

    private static long mix(long value) {
        long x = value * 0x9e3779b97f4a7c15L;
        return x ^ (x >>> 31);
    }

    private ConnectionRecord recordAt(int slot) {
        long address = addresses[slot];
        long key = keys[slot];
        long destination = destinations[slot];
        ConnectionRecord.Options extra = options.isEmpty() ? null : options.get(new Ipv4Key(address, key));
        return new ConnectionRecord((int) (key >>> 32) & 0xff, ipv4((int) (address >>> 32)), (int) (key >>> 16) & 0xffff,
                ipv4((int) address), (int) key & 0xffff, ipv4((int) (destination >>> 32)),
                (int) (destination >>> 16) & 0xffff, (int) (markAndFlags[slot] >>> 32), (int) markAndFlags[slot],
                (int) destination & 0xffff, timeouts[slot], extra);
    }

    /** @return the slot holding the key, or -(insertion slot) - 1 */
    private int find(long address, long key) {
        int mask = keys.length - 1;
        int slot = (int) mix(address * 31 + key) & mask;
        while (keys[slot] != 0) {
            if (keys[slot] == key && addresses[slot] == address) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -slot - 1;
    }

    /** Backward-shift deletion: later entries of the probe chain move up, so no tombstones are needed. */
    private void delete(int slot) {
        options.remove(new Ipv4Key(addresses[slot], keys[slot]));
        int mask = keys.length - 1;
        int hole = slot;
        int next = (hole + 1) & mask;
        while (keys[next] != 0) {
            int home = (int) mix(addresses[next] * 31 + keys[next]) & mask;
            // Move the entry into the hole if the hole lies on its probe path (cyclically between home and next).
            if (((next - home) & mask) >= ((next - hole) & mask)) {
                move(next, hole);
                hole = next;
            }
            next = (next + 1) & mask;
        }
        keys[hole] = 0;
        size--;
    }

    private void move(int from, int to) {
        addresses[to] = addresses[from];
        keys[to] = keys[from];
        destinations[to] = destinations[from];
        markAndFlags[to] = markAndFlags[from];
        timeouts[to] = timeouts[from];
        expiries[to] = expiries[from];
    }

    private void grow() {
        long[] oldAddresses = addresses;
        long[] oldKeys = keys;
        long[] oldDestinations = destinations;
        long[] oldMarks = markAndFlags;
        int[] oldTimeouts = timeouts;
        int[] oldExpiries = expiries;
        allocate(oldKeys.length * 2);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                int slot = -find(oldAddresses[i], oldKeys[i]) - 1;
                addresses[slot] = oldAddresses[i];
                keys[slot] = oldKeys[i];
                destinations[slot] = oldDestinations[i];
                markAndFlags[slot] = oldMarks[i];
                timeouts[slot] = oldTimeouts[i];
                expiries[slot] = oldExpiries[i];
            }
        }
    }

    private static long addressWord(IpAddress client, IpAddress virtualAddress) {
        return (ipv4(client) << 32) | (ipv4(virtualAddress) & 0xffffffffL);
    }

    private static long keyWord(int protocol, int clientPort, int virtualPort) {
        return USED | ((long) (protocol & 0xff) << 32) | ((long) (clientPort & 0xffff) << 16) | (virtualPort & 0xffff);
    }

    private static long ipv4(IpAddress address) {
        byte[] b = address.toBytes();
        return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
    }

    private static IpAddress ipv4(int value) {
        return IpAddress.of(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
    }
}
