package io.lvsha.agent.director;

/**
 * The dataplane refused some of a takeover's replicated connections and installed all the others:
 * a bad entry never keeps the good ones out. The takeover reports how many of each.
 */
public final class PartialCommitException extends Exception {
    private final int installed;
    private final int refused;

    /** @param firstRefusal why the kernel refused the first one it did */
    public PartialCommitException(int installed, int refused, String firstRefusal) {
        super(installed + " installed, " + refused + " refused by the kernel (the first with " + firstRefusal + ")");
        this.installed = installed;
        this.refused = refused;
    }

    public int installed() {
        return installed;
    }

    public int refused() {
        return refused;
    }
}
