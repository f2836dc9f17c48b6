package io.lvsha.agent.director;

/**
 * Makes a {@link DirectorBackend}; found through {@link java.util.ServiceLoader}, so a jar on the
 * class path with a {@code META-INF/services/io.lvsha.agent.director.DirectorBackendProvider} entry
 * adds a backend without changing the agent.
 */
public interface DirectorBackendProvider {

    /** The name the config selects it by. */
    String name();

    DirectorBackend create(BackendContext context);
}
