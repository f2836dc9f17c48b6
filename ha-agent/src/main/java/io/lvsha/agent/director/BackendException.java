package io.lvsha.agent.director;

/** The dataplane refused a change; the message says which command and what it answered. */
public final class BackendException extends Exception {
    public BackendException(String message) {
        super(message);
    }
}
