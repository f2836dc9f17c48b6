package io.lvsha.arp;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/** The few libc calls the JDK does not offer: netlink and raw sockets, and a thread's scheduling policy. */
interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int AF_NETLINK = 16;
    int SOCK_RAW = 3;
    int SOCK_CLOEXEC = 0x80000;
    int SOL_SOCKET = 1;
    int SO_RCVTIMEO = 20;
    int SO_BINDTODEVICE = 25;
    int AF_INET = 2;
    int AF_INET6 = 10;
    int IPPROTO_RAW = 255;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int bind(int fd, byte[] address, int length) throws LastErrorException;

    int setsockopt(int fd, int level, int name, byte[] value, int length) throws LastErrorException;

    long send(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

    long sendto(int fd, byte[] buffer, long length, int flags, byte[] address, int addressLength)
            throws LastErrorException;

    long recv(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int getsockname(int fd, byte[] address, int[] length) throws LastErrorException;

    int MCL_CURRENT = 1;
    int MCL_FUTURE = 2;
    int MCL_ONFAULT = 4;
    int RLIMIT_RTTIME = 15;

    int mlockall(int flags) throws LastErrorException;

    /** {@code limit} is {@code struct rlimit}: soft, then hard (unsigned longs; -1 is RLIM_INFINITY). */
    int getrlimit(int resource, long[] limit) throws LastErrorException;

    int setrlimit(int resource, long[] limit) throws LastErrorException;

    /** {@code pid} 0 is the calling thread; {@code param} is {@code struct sched_param} (one int). */
    int sched_setscheduler(int pid, int policy, int[] param) throws LastErrorException;
}
