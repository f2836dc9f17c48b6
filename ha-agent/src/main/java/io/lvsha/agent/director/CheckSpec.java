package io.lvsha.agent.director;

import java.util.List;
import java.util.regex.Pattern;

/**
 * How a service's real servers are checked, and how results turn into in/out of the pool.
 *
 * @param type what a probe does
 * @param port the port to probe; 0 = the real server's port, or the type's usual port
 * @param send for send-expect: what to send (escapes already decoded); empty = connect only
 * @param expect what the answer must contain or match, or null (any answer)
 * @param udp send-expect over UDP instead of TCP
 * @param file tftp: the file to read; http: the path to GET
 * @param expectSha256 tftp: the SHA-256 the file's content must have, or null (any content)
 * @param expectStatus http: the status code a healthy server answers
 * @param program exec: the program and its arguments, %h and %p replaced by address and port
 * @param intervalNanos time between probes of one real server
 * @param probeTimeoutNanos one probe's deadline
 * @param downAfterNanos failing this long (and {@code fall} times in a row) takes a server out
 * @param reentryNanos healthy this long (and {@code rise} times in a row) puts it back
 */
public record CheckSpec(Type type, int port, String send, Pattern expect, boolean udp, String file,
                        String expectSha256, int expectStatus, List<String> program, long intervalNanos,
                        long probeTimeoutNanos, long downAfterNanos, long reentryNanos, int rise, int fall) {

    public CheckSpec {
        program = program == null ? List.of() : List.copyOf(program);
    }

    /** The kinds of probe, as named in the config. */
    public enum Type {
        TCP("tcp"), SEND_EXPECT("send-expect"), TFTP("tftp"), FTP("ftp"), HTTP("http"), EXEC("exec");

        private final String configName;

        Type(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        /** @return the type so named in the config, or null */
        public static Type byConfigName(String name) {
            for (Type type : values()) {
                if (type.configName.equals(name)) {
                    return type;
                }
            }
            return null;
        }

        /** The port a probe uses when neither the check nor the real server names one. */
        public int usualPort() {
            return switch (this) {
                case TFTP -> 69;
                case FTP -> 21;
                case HTTP -> 80;
                default -> 0;
            };
        }
    }
}
