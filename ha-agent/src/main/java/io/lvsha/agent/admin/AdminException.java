package io.lvsha.agent.admin;

/** A request that gets an error reply: {@code code} for scripts, the message for people. */
public final class AdminException extends RuntimeException {
    private final String code;

    public AdminException(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
