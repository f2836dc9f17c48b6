package io.lvsha.agent.director;

/**
 * Programs the director's dataplane. Implementations reconcile: they read what is programmed,
 * change only the difference, and leave entries they do not own alone unless the desired state
 * says it owns the table. Called from one thread at a time.
 */
public interface DirectorBackend extends AutoCloseable {

    /** The name it is chosen by in the config (director.backend). */
    String name();

    /**
     * Makes the dataplane match {@code desired}; a second call with the same state changes nothing.
     *
     * @throws BackendException when the dataplane refused a change; what was applied is in the message
     */
    ApplyReport apply(DesiredState desired) throws BackendException;

    /** The script this backend would load for {@code desired} on an empty dataplane, for {@code --check}. */
    String render(DesiredState desired);

    /**
     * This node became master (true) or gave mastership up (false). Called after the replicated
     * connection state is committed (DESIGN.md §5); a backend that drives the kernel's sync daemon
     * switches it here.
     */
    default void roleChanged(boolean master) throws BackendException {
    }

    /** Its connection state, when the agent must replicate it (no kernel sync daemon does); null otherwise. */
    default ConnectionState connectionState() {
        return null;
    }

    /** The kernel settings it depends on for a failover, each as read now (for {@code doctor}). */
    default java.util.List<KernelCheck> kernelChecks() {
        return java.util.List.of();
    }

    @Override
    default void close() {
    }
}
